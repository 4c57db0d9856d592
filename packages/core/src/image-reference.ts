import { KeelsonConfigError } from './errors';

/** The parts of a container image reference. */
export interface ImageReferenceProps {
  /** Registry and repository, e.g. `python` or `gcr.io/distroless/python3-debian12`. */
  readonly repository: string;
  /** The tag, e.g. `3.12.12-slim-bookworm`. */
  readonly tag: string;
  /**
   * The content digest that pins the image, `sha256:` and 64 hex digits.
   * @default - none: the tag alone selects the image
   */
  readonly digest?: string;
}

// The grammar of github.com/distribution/reference, reduced to what Keelson accepts.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?';
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * A container image: repository, a tag that must be present, and an optional sha256 digest.
 *
 * A tag is required because an untagged reference means `latest`, which changes under the user.
 */
export class ImageReference {
  /** Parses `repository:tag` or `repository:tag@sha256:...`. */
  public static parse(reference: string, option = 'image'): ImageReference {
    const at = reference.indexOf('@');
    const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
    const digest = at >= 0 ? reference.slice(at + 1) : undefined;
    const colon = withoutDigest.lastIndexOf(':');
    const hasTag = colon > withoutDigest.lastIndexOf('/');
    if (!hasTag) {
      throw new KeelsonConfigError(option, `has no tag in '${reference}'`,
        `write it as 'repository:tag' (optionally '@sha256:<64 hex digits>'), e.g. 'python:3.12.12-slim-bookworm'`);
    }
    return new ImageReference({
      repository: withoutDigest.slice(0, colon),
      tag: withoutDigest.slice(colon + 1),
      digest,
    }, option);
  }

  /** Returns `digest` if it is `sha256:` and 64 lowercase hex digits; throws naming `option` otherwise. */
  public static checkDigest(digest: string, option: string): string {
    if (!DIGEST.test(digest)) {
      throw new KeelsonConfigError(option, `is not a sha256 digest: '${digest}'`,
        "give 'sha256:' followed by the 64 lowercase hex digits that `docker buildx imagetools inspect` prints");
    }
    return digest;
  }

  public readonly repository: string;
  public readonly tag: string;
  public readonly digest?: string;

  public constructor(props: ImageReferenceProps, option = 'image') {
    if (!REPOSITORY.test(props.repository)) {
      throw new KeelsonConfigError(`${option}.repository`, `is not a valid image repository: '${props.repository}'`,
        'use lowercase path components separated by "/", optionally after a registry host, e.g. "gcr.io/distroless/python3-debian12"');
    }
    if (!TAG.test(props.tag)) {
      throw new KeelsonConfigError(`${option}.tag`, `is not a valid image tag: '${props.tag}'`,
        'use letters, digits, "_", "." and "-" (at most 128 characters, not starting with "." or "-")');
    }
    if (props.digest !== undefined) ImageReference.checkDigest(props.digest, `${option}.digest`);
    this.repository = props.repository;
    this.tag = props.tag;
    this.digest = props.digest;
  }

  /** A copy pinned to `digest`. */
  public withDigest(digest: string | undefined): ImageReference {
    return new ImageReference({ repository: this.repository, tag: this.tag, digest });
  }

  /** `repository:tag[@digest]`, the form `FROM` and compose `image:` take. */
  public toString(): string {
    return `${this.repository}:${this.tag}${this.digest ? `@${this.digest}` : ''}`;
  }
}
