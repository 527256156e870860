"""What is said over the pictures: subtitles and chapters from each step's narration (subtitles) and
the narrator's voice, recorded or spoken by espeak-ng (voice). Nothing here imports Manim."""
