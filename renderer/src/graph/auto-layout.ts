/**
 * The automatic placement of the view's boxes: `shared/graph`'s layered layout (the one
 * `strata plot` draws), with the shapes shown. Runs in the layout worker for big graphs and
 * inline for small ones, so both get the same picture.
 */
import { layoutGraph, type GraphLayout, type PlainGraph, type RankDir } from '../../../shared/graph/index.js';

export interface LayoutRequest {
  graph: PlainGraph;
  rankdir: RankDir;
}

/** Font size of the box text; the view draws text in a monospace font, which the layout measures. */
export const VIEW_FONT_SIZE = 12;

export function autoLayout(request: LayoutRequest): GraphLayout {
  return layoutGraph(request.graph, { rankdir: request.rankdir, showShapes: true, fontSize: VIEW_FONT_SIZE });
}
