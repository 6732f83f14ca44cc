/** Chart colours, shared by charts and the legends and tables beside them. */

/** One colour per run or series, ten that tell apart on white. */
export const PALETTE = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#1098ad', '#f08c00', '#5c940d', '#862e9c', '#495057'];

export function colourOf(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}
