"""Turning the story into files: the render pool and its cache (render, render_worker, cache_key),
each step's records (steps, step_recorder), video files (video_files), still figures (figure), the
handout pages (handout) and the slide deck (slides, deck_html)."""
