import { describe, expect, it } from 'vitest';
import { joinPath, slugOf } from '../../../renderer/src/views/slug.js';

describe('the folder a new project is proposed in', () => {
  it('is named after the project', () => {
    expect(slugOf('My MNIST model')).toBe('my-mnist-model');
    expect(slugOf('  Café  Über! ')).toBe('cafe-uber');
    expect(slugOf('???')).toBe('project');
  });

  it('sits in the projects folder, with that folder’s separator', () => {
    expect(joinPath('/home/ada/Strata', 'mnist')).toBe('/home/ada/Strata/mnist');
    expect(joinPath('/home/ada/Strata/', 'mnist')).toBe('/home/ada/Strata/mnist');
    expect(joinPath('C:\\Users\\ada\\Strata', 'mnist')).toBe('C:\\Users\\ada\\Strata\\mnist');
  });
});
