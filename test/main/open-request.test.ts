import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectDirFromArgs, projectDirOf } from '../../electron/main/open-request.js';

function projectFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-open-'));
  mkdirSync(join(dir, 'mnist'));
  writeFileSync(join(dir, 'mnist', 'strata.json'), '{}');
  mkdirSync(join(dir, 'photos'));
  writeFileSync(join(dir, 'photos', 'notes.json'), '{}');
  return dir;
}

describe('projects the system asks the app to open', () => {
  it("opens a double-clicked strata.json's folder, or a project folder itself", () => {
    const root = projectFolder();
    expect(projectDirOf(join(root, 'mnist', 'strata.json'))).toBe(join(root, 'mnist'));
    expect(projectDirOf(join(root, 'mnist'))).toBe(join(root, 'mnist'));
  });

  it('ignores files and folders that are not projects', () => {
    const root = projectFolder();
    expect(projectDirOf(join(root, 'photos'))).toBeNull();
    expect(projectDirOf(join(root, 'photos', 'notes.json'))).toBeNull();
    expect(projectDirOf(join(root, 'missing', 'strata.json'))).toBeNull();
  });

  it('finds the project among command-line arguments, relative to where the launch came from', () => {
    const root = projectFolder();
    // As a second launch in development passes them: the app folder, Chromium switches, then the file.
    const argv = ['.', '--enable-logging', '--user-data-dir=/tmp/x', 'mnist/strata.json'];
    expect(projectDirFromArgs(argv, root)).toBe(join(root, 'mnist'));
    expect(projectDirFromArgs(['.', 'photos'], root)).toBeNull();
    expect(projectDirFromArgs([], root)).toBeNull();
  });
});
