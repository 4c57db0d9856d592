import { ImageReference, ResourceLimits, SecurityProfile, ServiceEndpoint } from '../src';

describe('ImageReference', () => {
  test('parses repository, tag and digest', () => {
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    const ref = ImageReference.parse(`gcr.io/distroless/python3-debian12:nonroot@${digest}`);
    expect(ref.repository).toBe('gcr.io/distroless/python3-debian12');
    expect(ref.tag).toBe('nonroot');
    expect(ref.digest).toBe(digest);
    expect(ref.toString()).toBe(`gcr.io/distroless/python3-debian12:nonroot@${digest}`);
  });

  test('accepts a registry with a port', () => {
    expect(ImageReference.parse('localhost:5000/team/app:1.2.3').repository).toBe('localhost:5000/team/app');
  });

  test.each<[string, RegExp]>([
    ['python', /option 'image' has no tag in 'python'\. Fix: write it as 'repository:tag'/],
    ['localhost:5000/app', /option 'image' has no tag/],
    ['Python:3.12', /option 'image\.repository' is not a valid image repository: 'Python'/],
    ['python:.bad', /option 'image\.tag' is not a valid image tag: '\.bad'/],
    ['python:3.12@sha256:abc', /option 'image\.digest' is not a sha256 digest: 'sha256:abc'/],
    [`python:3.12@sha512:${'a'.repeat(64)}`, /option 'image\.digest' is not a sha256 digest/],
  ])('refuses %s', (reference, message) => {
    expect(() => ImageReference.parse(reference)).toThrow(message);
  });
});

describe('ServiceEndpoint', () => {
  test('defaults to port 8000 and /health', () => {
    const endpoint = new ServiceEndpoint();
    expect(endpoint.port).toBe(8000);
    expect(endpoint.healthPath).toBe('/health');
    expect(endpoint.localUrl()).toBe('http://127.0.0.1:8000/health');
  });

  test.each<[number, RegExp]>([
    [0, /option 'port' must be an integer from 1 to 65535, got 0/],
    [70000, /option 'port' must be an integer from 1 to 65535, got 70000/],
    [8000.5, /must be an integer/],
    [80, /option 'port' is 80, a privileged port a non-root server cannot bind.*Fix: bind a port from 1024 up/],
  ])('refuses port %s', (port, message) => {
    expect(() => new ServiceEndpoint({ port })).toThrow(message);
  });

  test.each(['health', '/health check', '/health?x=1', ''])('refuses health path %j', (healthPath) => {
    expect(() => new ServiceEndpoint({ healthPath })).toThrow(/option 'healthPath' must be an absolute URL path/);
  });
});

describe('SecurityProfile', () => {
  test('defaults to uid/gid 65532, read-only root, /tmp writable, no capabilities, no-new-privileges', () => {
    const profile = new SecurityProfile();
    expect(profile.uid).toBe(65532);
    expect(profile.gid).toBe(65532);
    expect(profile.user).toBe('65532:65532');
    expect(profile.readOnlyRootFilesystem).toBe(true);
    expect(profile.writablePaths).toEqual(['/tmp']);
    expect(profile.addCapabilities).toEqual([]);
    expect(profile.noNewPrivileges).toBe(true);
  });

  test('normalizes capability names', () => {
    expect(new SecurityProfile({ addCapabilities: ['cap_net_bind_service'] }).addCapabilities).toEqual(['NET_BIND_SERVICE']);
  });

  test.each<[object, RegExp]>([
    [{ uid: 0 }, /option 'uid' is 0 \(root\), and this profile is non-root\. Fix: give a non-zero uid; 65532/],
    [{ gid: 0 }, /option 'gid' is 0 \(root\)/],
    [{ uid: -5 }, /option 'uid' must be an integer from 1 to 2147483647, got -5/],
    [{ writablePaths: ['tmp'] }, /option 'writablePaths' contains 'tmp', which is not a normalized absolute path/],
    [{ writablePaths: ['/app/../etc'] }, /contains '\/app\/\.\.\/etc'/],
    [{ writablePaths: ['/'] }, /contains '\/'/],
    [{ addCapabilities: ['ALL'] }, /option 'addCapabilities' contains 'ALL'.*'ALL' is never added back/],
  ])('refuses %j', (props, message) => {
    expect(() => new SecurityProfile(props)).toThrow(message);
  });
});

describe('ResourceLimits', () => {
  test('defaults to 1 CPU, 512 MiB and 256 pids', () => {
    expect({ ...new ResourceLimits() }).toEqual({ cpus: 1, memoryMiB: 512, pids: 256 });
  });

  test.each<[object, RegExp]>([
    [{ cpus: 0 }, /option 'cpus' must be a positive number, got 0/],
    [{ memoryMiB: 8 }, /option 'memoryMiB' must be a whole number of MiB, at least 16, got 8/],
    [{ pids: 2.5 }, /option 'pids' must be a whole number, at least 16/],
  ])('refuses %j', (props, message) => {
    expect(() => new ResourceLimits(props)).toThrow(message);
  });
});
