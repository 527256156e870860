"""How frames are drawn and written: `RasterCamera` (images painted by cairo, every beat's camera),
`VectorCamera` (SVG and PDF figures and handout pages) and the scene file writer that converts a
held frame once (held_frames)."""
