import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimDataFolder, DataFolderInUseError, readRuntime, releaseDataFolder, updateRuntime } from '../../src/app/bootstrap/runtime-file';
import { describeFailure } from '../../src/app/bootstrap/start-error';

// One calbridge per data folder: the claim in runtime.json, and what a second start is told.
describe('data folder claim', () => {
  const folder = () => mkdtempSync(join(tmpdir(), 'calbridge-claim-'));
  const claimOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8'));

  it('claims a free folder for this process and adds what it learns', () => {
    const dir = folder();
    claimDataFolder(dir);
    updateRuntime(dir, { databaseUrl: 'postgres://x', url: 'http://127.0.0.1:1/graphql' });
    expect(claimOf(dir)).toEqual({ pid: process.pid, databaseUrl: 'postgres://x', url: 'http://127.0.0.1:1/graphql' });
    releaseDataFolder(dir);
    expect(existsSync(join(dir, 'runtime.json'))).toBe(false);
  });

  it('refuses a folder held by a running calbridge, naming the folder, the pid, its URL and what to do', async () => {
    const dir = folder();
    // A live Node process stands for the other instance.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const pid = other.pid!;
    try {
      writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ pid, url: 'http://localhost:4000/graphql' }));
      expect(() => claimDataFolder(dir)).toThrow(DataFolderInUseError);
      expect(() => claimDataFolder(dir)).toThrow(
        `The data folder ${dir} is in use by another calbridge (pid ${pid}, serving http://localhost:4000/graphql).\n` +
          `Stop that one first (Ctrl+C in its terminal, or \`kill ${pid}\`), or start this one with another DATA_DIR.`,
      );
      // Its claim is left alone, also by a release from this process.
      releaseDataFolder(dir);
      expect(claimOf(dir).pid).toBe(pid);
    } finally {
      other.kill();
      await new Promise((r) => other.once('exit', r));
    }
  });

  it('takes over the claim of an instance that is gone (killed, crashed)', () => {
    const dir = folder();
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ pid: gone }));
    expect(readRuntime(dir)).toBeNull();
    claimDataFolder(dir);
    expect(claimOf(dir).pid).toBe(process.pid);
  });

  (existsSync('/proc/self/cmdline') ? it : it.skip)('takes over a claim whose pid now belongs to another program (pid reused after a reboot)', async () => {
    const dir = folder();
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ pid: other.pid }));
      claimDataFolder(dir);
      expect(claimOf(dir).pid).toBe(process.pid);
    } finally {
      other.kill();
      await new Promise((r) => other.once('exit', r));
    }
  });
});

describe('describeFailure', () => {
  it('always gives a sentence, even for the undefined some libraries reject with', () => {
    expect(describeFailure(undefined)).toBe('an unknown error (the failing step gave no reason)');
    expect(describeFailure(new Error('port taken'))).toBe('port taken');
    expect(describeFailure('plain')).toBe('plain');
    expect(describeFailure({ code: 'X' })).toBe('{"code":"X"}');
  });
});
