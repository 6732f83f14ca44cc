/** The script name the model code runs under in the sandbox; stack frames with it belong to the model file. */
export const MODEL_SCRIPT = 'model.js';

/** The stack frames of the model file, innermost first, as 1-based line and column in the code that ran. */
export function modelFrames(stack: string): Array<{ line: number; column: number }> {
  const frames: Array<{ line: number; column: number }> = [];
  // A stack is model-controlled text; a runaway recursion makes a long one, and the frames
  // that matter are near the top.
  for (const m of stack.slice(0, 1 << 20).matchAll(/\(([^()\n]*):(\d+):(\d+)\)\s*$/gm)) {
    if (m[1] === MODEL_SCRIPT) frames.push({ line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}
