// The secret-location rules, by path names alone: system trees, credential folders and files, keys, .env files.
import { describe, expect, it } from 'vitest';
import { secretFileNameOf, secretLocationOf } from './secret-paths.ts';

describe('secretLocationOf', () => {
  it.each([
    ['/proc/self/environ', 'in /proc'],
    ['/sys/class/net/eth0/address', 'in /sys'],
    ['/dev/sda', 'in /dev'],
    ['/etc/shadow', 'in /etc/shadow'],
    ['/etc/ssh/ssh_host_ed25519_key', 'in /etc/ssh'],
    ['/etc/ssl/private', 'in /etc/ssl/private'],
    ['/home/ann/../../proc/1/environ', 'in /proc'],
  ])('refuses the system location %s', (file, expected) => {
    expect(secretLocationOf(file)).toMatch(expected);
  });

  it.each([
    ['~/.ssh', 'in .ssh (SSH keys)'],
    ['~/.ssh/config', 'in .ssh'],
    ['/root/.ssh/authorized_keys', 'in .ssh'],
    ['C:\\Users\\ann\\.SSH\\known_hosts', 'in .ssh'],
    ['~/.aws/credentials', 'in .aws'],
    ['~/.gnupg/pubring.kbx', 'in .gnupg'],
    ['/home/ann/.config/gcloud/application_default_credentials.json', 'in .config/gcloud'],
    ['~/.kube/config', 'in .kube'],
    ['~/.docker/config.json', 'in .docker/config.json'],
    ['../backup/.password-store/x.gpg', 'in .password-store'],
    ['/Users/ann/Library/Keychains/login.keychain-db', 'in Library/Keychains'],
  ])('refuses the credential folder or file %s', (file, expected) => {
    expect(secretLocationOf(file)).toContain(expected);
  });

  it.each([
    ['~/.netrc', '.netrc'],
    ['~/.npmrc', '.npmrc'],
    ['~/.pgpass', '.pgpass'],
    ['~/.git-credentials', '.git-credentials'],
    ['~/.bash_history', 'shell history'],
    ['keys/id_rsa', 'SSH private key (id_rsa)'],
    ['keys/ID_ED25519', 'SSH private key'],
    ['certs/server.pem', '*.pem'],
    ['certs/server.key', '*.key'],
    ['store.p12', '*.p12'],
    ['project/.env', 'environment file'],
    ['project/.env.production', 'environment file'],
  ])('refuses the secret-looking file %s', (file, expected) => {
    expect(secretLocationOf(file)).toContain(expected);
  });

  it.each([
    'data/corpus.txt',
    '/etc/passwd',
    '/home/ann/proc/notes.txt',
    'docs/ssh.md',
    'keys/id_rsa.pub',
    'project/.env.example',
    'project/.envrc',
    'notes/.docker-compose.yml',
    'data/keyboard.txt',
    '.key',
    '~/corpus',
  ])('accepts %s', (file) => {
    expect(secretLocationOf(file)).toBeNull();
  });

  it('judges system trees only in absolute paths: a relative proc/ folder is ordinary', () => {
    expect(secretLocationOf('proc/self/environ')).toBeNull();
    expect(secretFileNameOf('environ')).toBeNull();
  });
});
