import { createHash } from 'crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { BaseImageRecipe, DEBIAN_BASE, DEBIAN_FORKY_BASE, ensureBaseImage, recipeHash } from './base-images';
import { DockerClient } from './docker-client';
import { log } from './log';
import { PATHS } from './paths';
import { fetchDebs, resolveClosure } from './rootfs';
import { recordTiming } from './timings';

/**
 * A local image built FROM a local Debian base with `.deb` files installed by `dpkg -i` in a build step (maintainer
 * scripts run, no network), standing in for an official image whose contract (users, paths, entrypoint, command)
 * the generated compose file relies on.
 */
export interface DerivedImageRecipe {
  /** `keelson-local/NAME:TAG` */
  readonly reference: string;
  /** The registry image it stands in for, and how it differs. */
  readonly standsFor: string;
  readonly from: BaseImageRecipe;
  /** Packages installed with their dependencies (those the base lacks). */
  readonly packages: readonly string[];
  /** Dockerfile instructions before the packages are installed (e.g. the official image's user and uid). */
  readonly before: readonly string[];
  /** Dockerfile instructions after. */
  readonly after: readonly string[];
  /** Files of the build context (e.g. an entrypoint), by path, with their mode. */
  readonly files?: Readonly<Record<string, { readonly content: string; readonly mode?: number }>>;
}

const RECIPE_LABEL = 'org.keelson.recipe';

/** The Debian official-image convention: no service is started while packages are installed in a build. */
const NO_SERVICE_STARTS = `printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d`;

/** The image for a recipe: reused when built from the same recipe, else built (with its base, if needed). */
export async function ensureDerivedImage(docker: DockerClient, recipe: DerivedImageRecipe): Promise<{ reference: string; reused: boolean; seconds: number }> {
  const started = Date.now();
  await ensureBaseImage(docker, recipe.from);
  const hash = derivedHash(recipe);
  const current = await docker.run(['image', 'inspect', '--format', `{{index .Config.Labels "${RECIPE_LABEL}"}}`, recipe.reference], { allowFailure: true });
  if (current.code === 0 && current.stdout.trim() === hash) {
    recordTiming(`image ${recipe.reference}: reused`, Date.now() - started);
    return { reference: recipe.reference, reused: true, seconds: (Date.now() - started) / 1000 };
  }
  log(`building ${recipe.reference} FROM ${recipe.from.reference} with dpkg -i (${current.code === 0 ? 'its recipe changed' : 'not present'})`);
  // The packages the base lacks: the closure of base + packages, minus the base's own closure.
  const { suite } = recipe.from;
  const [base, all] = [await resolveClosure(recipe.from.packages, suite), await resolveClosure([...recipe.from.packages, ...recipe.packages], suite)];
  const inBase = new Set(base.map((p) => `${p.name}=${p.version}`));
  const added = all.filter((p) => !inBase.has(`${p.name}=${p.version}`));
  await fetchDebs(added, suite);
  const context = join(PATHS.rootfs, recipe.reference.replace(/[/:]/g, '_'));
  rmSync(context, { recursive: true, force: true });
  mkdirSync(join(context, 'debs'), { recursive: true });
  try {
    for (const pkg of added) linkSync(join(PATHS.debs, pkg.filename), join(context, 'debs', pkg.filename));
    for (const [path, file] of Object.entries(recipe.files ?? {})) {
      mkdirSync(join(context, path, '..'), { recursive: true });
      writeFileSync(join(context, path), file.content);
      chmodSync(join(context, path), file.mode ?? 0o644);
    }
    writeFileSync(join(context, 'Dockerfile'), [
      `FROM ${recipe.from.reference}`,
      ...recipe.before,
      // The .debs are bind-mounted for the one step: they never land in a layer.
      `RUN --mount=type=bind,source=debs,target=/tmp/debs ${NO_SERVICE_STARTS} && dpkg -i /tmp/debs/*.deb && rm /usr/sbin/policy-rc.d`,
      ...recipe.after,
      `LABEL ${RECIPE_LABEL}=${hash} org.keelson.stands-for=${JSON.stringify(recipe.standsFor)}`,
      '',
    ].join('\n'));
    await docker.run(['build', '--pull=false', '--network=none', '--progress=plain', '-t', recipe.reference, context], { timeoutMs: 600_000 });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  await docker.run(['image', 'prune', '-f'], { timeoutMs: 120_000 });
  const ms = Date.now() - started;
  recordTiming(`image ${recipe.reference}: built cold`, ms, `${added.length} packages with dpkg -i`);
  log(`built ${recipe.reference} in ${(ms / 1000).toFixed(1)} s (${added.length} Debian packages)`);
  return { reference: recipe.reference, reused: false, seconds: ms / 1000 };
}

function derivedHash(recipe: DerivedImageRecipe): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ ...recipe, from: recipe.from.reference, base: recipeHash(recipe.from) }));
  const source = join(__dirname, 'derived-images.ts');
  if (existsSync(source)) hash.update(readFileSync(source));
  return hash.digest('hex').slice(0, 16);
}

/** Creates a system user and group with a fixed id, as the official images do before installing the server. */
function systemUser(name: string, id: number, home: string, shell = '/usr/sbin/nologin'): string {
  return `RUN groupadd --system --gid ${id} ${name} && useradd --system --uid ${id} --gid ${id} --home-dir ${home} --no-create-home --shell ${shell} ${name}`;
}

/**
 * `keelson-local/redis:7` stands in for `redis:*-bookworm`: Debian's redis-server 7.0, uid and gid 999 (`redis`),
 * `/data` owned by them as the working directory and volume, `redis-server` and `redis-cli` on the PATH, an
 * entrypoint that prepends `redis-server` to options, as the official one does.
 */
export const REDIS_IMAGE: DerivedImageRecipe = {
  reference: 'keelson-local/redis:7',
  standsFor: 'redis:*-bookworm (Debian\'s redis-server 7.0 instead of the upstream build)',
  from: DEBIAN_BASE,
  packages: ['redis-server', 'redis-tools'],
  before: [systemUser('redis', 999, '/var/lib/redis')],
  after: [
    'RUN mkdir /data && chown redis:redis /data',
    'COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh',
    'VOLUME /data',
    'WORKDIR /data',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'EXPOSE 6379',
    'CMD ["redis-server"]',
  ],
  files: {
    'docker-entrypoint.sh': {
      mode: 0o755,
      content: [
        '#!/bin/sh',
        '# keelson-local stand-in for the official redis entrypoint: options alone start redis-server. Runs as the',
        '# user the container is started as (no root, no chown).',
        'set -e',
        'if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi',
        'exec "$@"',
        '',
      ].join('\n'),
    },
  },
};

/**
 * `keelson-local/postgres:15` stands in for `postgres:18.6-bookworm`: Debian's PostgreSQL 15 with the official image's
 * contract: uid and gid 999 (`postgres`), the 18+ layout (PGDATA=/var/lib/postgresql/<major>/docker, the volume at
 * /var/lib/postgresql), `postgres`, `pg_isready` and `psql` on the PATH, /var/run/postgresql for the socket, and a
 * `docker-entrypoint.sh` honouring POSTGRES_PASSWORD(_FILE), POSTGRES_USER, POSTGRES_DB and POSTGRES_INITDB_ARGS:
 * initdb on the first start, a temporary server on the socket only to create the database, then the final server.
 * It runs as the user it is started as (the compose file starts it as 999: no root, no chown).
 */
export const POSTGRES_IMAGE: DerivedImageRecipe = {
  reference: 'keelson-local/postgres:15',
  standsFor: 'postgres:18.6-bookworm (Debian\'s PostgreSQL 15, same entrypoint contract and data layout)',
  from: DEBIAN_BASE,
  packages: ['postgresql-15'],
  before: [
    systemUser('postgres', 999, '/var/lib/postgresql', '/bin/bash'),
    // No cluster from the package: the entrypoint creates one in PGDATA on the first start.
    'RUN mkdir -p /etc/postgresql-common && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf',
  ],
  after: [
    'ENV PG_MAJOR=15 LANG=C.UTF-8',
    'ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/15/docker',
    // As the official image does: a cluster initialized from the sample listens on every address (Debian's default is
    // localhost only, which other containers cannot reach).
    'RUN sed -ri "s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = \'*\'!" /usr/share/postgresql/15/postgresql.conf.sample'
      + ' && grep -q "^listen_addresses = \'\\*\'" /usr/share/postgresql/15/postgresql.conf.sample',
    'RUN install -d -o postgres -g postgres -m 3777 /var/run/postgresql && install -d -o postgres -g postgres -m 1777 "$PGDATA"',
    'VOLUME /var/lib/postgresql',
    'COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'STOPSIGNAL SIGINT',
    'EXPOSE 5432',
    'CMD ["postgres"]',
  ],
  files: {
    'docker-entrypoint.sh': {
      mode: 0o755,
      content: `#!/bin/sh
# keelson-local stand-in for the official postgres docker-entrypoint.sh: its documented contract, as the user the
# container is started as (the official one also starts as root and drops to postgres; the compose file does not).
set -eu
if [ "\${1#-}" != "$1" ]; then set -- postgres "$@"; fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "\${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"; fi
  if [ -z "\${POSTGRES_PASSWORD:-}" ]; then
    echo "docker-entrypoint.sh: POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE is required" >&2
    exit 1
  fi
  POSTGRES_USER="\${POSTGRES_USER:-postgres}"
  POSTGRES_DB="\${POSTGRES_DB:-$POSTGRES_USER}"
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\\n' >> "$PGDATA/pg_hba.conf"
  # The temporary server listens on the socket only: nothing reaches it over TCP until the database exists.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    # From standard input: psql quotes the name (:"db"); it does not interpolate -c commands.
    printf 'CREATE DATABASE :"db";\\n' | psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password \\
      --dbname postgres --quiet --set db="$POSTGRES_DB"
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "docker-entrypoint.sh: PostgreSQL init process complete; ready for start up."
fi
exec "$@"
`,
    },
  },
};

/**
 * `keelson-local/nginx-unprivileged:1.30` stands in for `nginxinc/nginx-unprivileged:1.30.x`, the compose file's
 * default: Debian testing's nginx 1.30 (the product writes its default file for 1.30: `http2 on`, upstream `resolve`),
 * run as uid and gid 101 (`nginx`), logs to stdout/stderr, nothing written outside /tmp when the config keeps its
 * pid and temp files there (Keelson's generated nginx.conf does), `nginx -g 'daemon off;'`, port 8080.
 */
export const NGINX_IMAGE: DerivedImageRecipe = {
  reference: 'keelson-local/nginx-unprivileged:1.30',
  standsFor: 'nginxinc/nginx-unprivileged:1.30.x (Debian testing\'s nginx 1.30: its own module set)',
  from: DEBIAN_FORKY_BASE,
  packages: ['nginx'],
  before: [systemUser('nginx', 101, '/nonexistent')],
  after: [
    // The unprivileged image's layout: logs to the container's output, no default site, a config without `user`.
    'RUN ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log'
      + ' && rm -f /etc/nginx/sites-enabled/default'
      + ' && sed -i -e "/^user /d" -e "s|^pid .*|pid /tmp/nginx.pid;|" /etc/nginx/nginx.conf',
    'USER 101',
    'EXPOSE 8080',
    'STOPSIGNAL SIGQUIT',
    'CMD ["nginx", "-g", "daemon off;"]',
  ],
};

/** The stand-ins for the data services and the proxy of the generated compose file. */
export const SERVICE_IMAGES = [REDIS_IMAGE, POSTGRES_IMAGE, NGINX_IMAGE];
