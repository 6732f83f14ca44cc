/** The graph as a picture: a standalone SVG document (what `strata plot` draws), or a PNG of it. */
import { renderSvg, type GraphLayout } from '../../../shared/graph/index.js';
import { translatePath, type Scene } from './scene.js';

/** The scene as an SVG document, moved so that everything drawn starts at the top-left corner. */
export function sceneToSvg(scene: Scene, title?: string): string {
  const dx = -scene.bounds.x;
  const dy = -scene.bounds.y;
  const layout: GraphLayout = {
    rankdir: scene.rankdir,
    width: Math.ceil(scene.bounds.width),
    height: Math.ceil(scene.bounds.height),
    nodes: scene.nodes.map((n) => ({ ...n.placement, x: n.x + dx, y: n.y + dy })),
    edges: scene.edges.map((e, index) => ({
      index,
      from: e.from,
      to: e.to,
      points: e.points.map((p) => ({ x: p.x + dx, y: p.y + dy })),
      path: translatePath(e.path, dx, dy),
      reversed: e.reversed,
    })),
    ranks: 0,
    crossings: 0,
    metrics: scene.metrics,
  };
  return renderSvg(layout, title === undefined ? {} : { title });
}

/** Browsers refuse canvases beyond about 16k pixels a side. */
const MAX_CANVAS_SIDE = 16_000;

/** Rasterises an SVG document (of the given size in px) at up to twice its size. */
export async function svgToPng(svg: string, width: number, height: number): Promise<Blob> {
  const scale = Math.min(2, MAX_CANVAS_SIDE / Math.max(width, height, 1));
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext('2d');
    if (!context) throw new Error('Exporting PNG needs a 2D canvas, which this window does not provide.');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error(`The ${canvas.width}×${canvas.height} canvas could not be encoded as PNG.`))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
