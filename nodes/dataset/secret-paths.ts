// The places a dataset never reads without allowOutside: system state (/proc, /sys, /dev...), credential folders and
// files (.ssh, .aws, .netrc...), private keys and .env files. Pure string rules on a path's names, browser-safe.
//
// A path is judged by its names, so ~/.ssh, /root/.ssh and a teammate's backup/.ssh are all caught, on any OS.
// Names compare case-insensitively (macOS and Windows disks ignore case). System trees count only in absolute
// paths; a relative path that climbs into one is caught once the engine has resolved it.

interface NamedLocation {
  /** Consecutive path names (compared ignoring case); the last may be the file itself. */
  names: readonly string[];
  what: string;
}

/** Trees at the root of a POSIX file system. */
const SYSTEM_TREES: readonly NamedLocation[] = [
  { names: ['proc'], what: 'process and kernel state, environment variables included' },
  { names: ['sys'], what: 'kernel and device state' },
  { names: ['dev'], what: 'devices' },
  { names: ['etc', 'shadow'], what: 'password hashes' },
  { names: ['etc', 'gshadow'], what: 'group password hashes' },
  { names: ['etc', 'sudoers'], what: 'sudo rules' },
  { names: ['etc', 'sudoers.d'], what: 'sudo rules' },
  { names: ['etc', 'ssh'], what: "the SSH server's host keys" },
  { names: ['etc', 'ssl', 'private'], what: 'TLS private keys' },
];

/** Folders (or a file inside a folder) holding credentials, wherever they are. */
const SECRET_FOLDERS: readonly NamedLocation[] = [
  { names: ['.ssh'], what: 'SSH keys' },
  { names: ['.gnupg'], what: 'GnuPG keys' },
  { names: ['.aws'], what: 'AWS credentials' },
  { names: ['.azure'], what: 'Azure credentials' },
  { names: ['.kube'], what: 'Kubernetes credentials' },
  { names: ['.config', 'gcloud'], what: 'Google Cloud credentials' },
  { names: ['.config', 'gh'], what: 'GitHub CLI tokens' },
  { names: ['.docker', 'config.json'], what: 'Docker registry logins' },
  { names: ['.password-store'], what: 'passwords' },
  { names: ['.local', 'share', 'keyrings'], what: 'desktop keyrings' },
  { names: ['Library', 'Keychains'], what: 'macOS keychains' },
];

/** Files holding credentials, by exact name. */
const SECRET_FILES: ReadonlyMap<string, string> = new Map([
  ['.netrc', 'a .netrc file (logins and passwords)'],
  ['_netrc', 'a _netrc file (logins and passwords)'],
  ['.npmrc', 'an .npmrc file (npm tokens)'],
  ['.pypirc', 'a .pypirc file (PyPI tokens)'],
  ['.pgpass', 'a .pgpass file (PostgreSQL passwords)'],
  ['.git-credentials', 'a .git-credentials file (git passwords and tokens)'],
  ['.bash_history', 'a shell history (often holds pasted tokens)'],
  ['.zsh_history', 'a shell history (often holds pasted tokens)'],
  ...['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'id_ecdsa_sk', 'id_ed25519_sk'].map((name) => [name, `an SSH private key (${name})`] as const),
]);

/** Extensions of private keys, certificates and key stores. */
const KEY_EXTENSIONS = ['.pem', '.key', '.p12', '.pfx', '.jks', '.keystore', '.ppk', '.kdbx'];
/** `.env.<suffix>` files that are templates by convention and hold no secrets. */
const ENV_TEMPLATES = new Set(['example', 'sample', 'template']);

/**
 * What makes `filePath` a secret location, as a phrase that follows "is" ("in /proc (process and kernel state)",
 * "an SSH private key (id_rsa)"), or null. `~` and relative paths are judged by their names only.
 */
export function secretLocationOf(filePath: string): string | null {
  const names = pathNames(filePath);
  if (isPosixAbsolute(filePath)) {
    const system = SYSTEM_TREES.find((tree) => startsWithNames(names, tree.names));
    if (system) return `in /${system.names.join('/')} (${system.what})`;
  }
  for (const folder of SECRET_FOLDERS) {
    if (containsNames(names, folder.names)) return `in ${folder.names.join('/')} (${folder.what})`;
  }
  const base = names.at(-1);
  return base === undefined ? null : secretFileNameOf(base);
}

/** The rule a file name alone breaks: credential files, private keys, key stores, .env files. */
export function secretFileNameOf(name: string): string | null {
  const lower = name.toLowerCase();
  const known = SECRET_FILES.get(lower);
  if (known) return known;
  if (/^ssh_host_.*_key$/.test(lower)) return `an SSH host private key (${name})`;
  const extension = KEY_EXTENSIONS.find((candidate) => lower.endsWith(candidate) && lower.length > candidate.length);
  if (extension) return `a private key, certificate or key store (*${extension})`;
  if (lower === '.env' || (lower.startsWith('.env.') && !ENV_TEMPLATES.has(lower.slice('.env.'.length)))) {
    return `an environment file (${name}; these usually hold passwords and API keys)`;
  }
  return null;
}

/** The path's names, lower case, with `.` dropped and `..` applied where a name precedes it. */
function pathNames(filePath: string): string[] {
  const names: string[] = [];
  for (const name of filePath.split(/[\\/]+/)) {
    if (name === '' || name === '.') continue;
    if (name === '..' && names.length > 0 && names.at(-1) !== '..') names.pop();
    else names.push(name.toLowerCase());
  }
  return names;
}

function isPosixAbsolute(filePath: string): boolean {
  return filePath.startsWith('/');
}

function startsWithNames(names: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((name, index) => names[index] === name.toLowerCase());
}

function containsNames(names: readonly string[], run: readonly string[]): boolean {
  for (let start = 0; start + run.length <= names.length; start++) {
    if (run.every((name, offset) => names[start + offset] === name.toLowerCase())) return true;
  }
  return false;
}

/** The refusal of a source path in a secret location; `real` is where a symbolic link leads, when it does. */
export function secretSourceMessage(shownPath: string, location: string, real?: string): string {
  const what = real === undefined ? `"${shownPath}" is ${location}` : `"${shownPath}" leads (through a symbolic link) to "${real}", which is ${location}`;
  return `${what}; the dataset would copy it into the corpus and into every model trained on it. Point the source at the text you mean, or set allowOutside: true on this source if you really mean it`;
}
