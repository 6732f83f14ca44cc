import { describe, expect, it } from 'vitest';
import { CHANNELS, checkArgs, checkEvent, checkResult, graphEdit, wireMessage } from '../../../shared/ipc/index.js';

describe('the IPC contract', () => {
  it('accepts a well-formed call and fills in defaults', () => {
    const checked = checkArgs('model.edit', { code: 'x', fileName: 'm.ts', edit: { type: 'addLayer', className: 'Dense' } });
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.value.args).toEqual({ code: 'x', fileName: 'm.ts', edit: { type: 'addLayer', className: 'Dense', options: {} } });
  });

  it('names an unknown channel and lists the real ones', () => {
    const checked = checkArgs('project.delete', {});
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.message).toContain('Unknown channel the string "project.delete"');
      expect(checked.message).toContain('project.open');
    }
  });

  it('says which field was wrong, what was expected and what was received', () => {
    const checked = checkArgs('project.open', { dir: 42 });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(/The argument of "project.open" does not fit the contract: at "dir": .*string.*; received number 42\./);

    const edit = checkArgs('model.edit', { code: '', fileName: 'm.ts', edit: { type: 'explode' } });
    expect(edit.ok).toBe(false);
    if (!edit.ok) expect(edit.message).toContain('at "edit.type"');
  });

  it('refuses model names that could leave the models folder', () => {
    const model = { name: '../../etc/passwd', code: '', layout: {} };
    const checked = checkArgs('project.writeRecovery', { dir: '/p', models: [model] });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toContain('at "models.0.name"');
  });

  it('checks results and events as strictly as arguments', () => {
    expect(checkResult('project.recent', [{ dir: '/p', name: 'p', openedAt: 'now' }]).ok).toBe(true);
    expect(checkResult('project.recent', [{ dir: '/p' }]).ok).toBe(false);
    expect(checkEvent('menu.command', { command: 'save' }).ok).toBe(true);
    const bad = checkEvent('menu.command', { command: 'format-disk' });
    expect(bad.ok).toBe(false);
  });

  it('has a description and schemas for every channel', () => {
    for (const [name, spec] of Object.entries(CHANNELS)) {
      expect(spec.description, name).toMatch(/\w/);
      expect(typeof spec.args.safeParse, name).toBe('function');
      expect(typeof spec.result.safeParse, name).toBe('function');
    }
  });

  it('knows every graph edit the graph view makes', () => {
    const edits = [
      { type: 'addLayer', className: 'Dense', options: { units: 8 }, after: 'dense' },
      { type: 'addInput', shape: [null, 3] },
      { type: 'connect', from: 'a', to: 'b' },
      { type: 'disconnect', from: 'a', to: 'b', port: 1 },
      { type: 'deleteLayer', name: 'a' },
      { type: 'renameLayer', name: 'a', newName: 'b' },
      { type: 'setOptions', name: 'a', options: { units: 3 } },
      { type: 'setOutput', name: 'a', isOutput: true },
    ];
    for (const edit of edits) expect(graphEdit.safeParse(edit).success, edit.type).toBe(true);
  });

  it('frames bridge messages', () => {
    expect(wireMessage.safeParse({ type: 'invoke', id: 1, channel: 'app.info', args: {} }).success).toBe(true);
    expect(wireMessage.safeParse({ type: 'invoke', id: -1, channel: 'app.info', args: {} }).success).toBe(false);
  });
});
