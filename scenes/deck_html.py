"""The HTML deck: one self-contained page (its styles and script inline, no fonts, no network) that
plays one video per step from an assets folder beside it.

Keys: → / space / PageDown / Enter / click: next step (its video plays, then holds on its last
frame); ← / PageUp / Backspace: previous step, shown held on its last frame; Home / End; F: full
screen; S (or N): speaker notes beside the stage, with the next step and a clock; P: the notes in a
presenter window of their own (keys pressed there steer the deck); ?: the keys.
The address's #n opens step n.
"""

from __future__ import annotations

import html
import json

__all__ = ["deck_page"]

STYLE = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: #000; color: #eee; overflow: hidden;
  font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
#deck { display: flex; height: 100%; }
#stage { position: relative; flex: 1; display: flex; align-items: center; justify-content: center;
  cursor: pointer; }
#frame { position: relative; width: min(100%, calc(100vh * 16 / 9)); aspect-ratio: 16 / 9; }
body.notes #frame { width: min(100%, calc(100vh * 16 / 9)); }
#frame video { position: absolute; inset: 0; width: 100%; height: 100%; background: transparent; }
#bar { position: absolute; left: 0; right: 0; bottom: 0; padding: 0.4em 0.8em; font-size: 14px;
  background: rgba(0, 0, 0, 0.6); display: flex; justify-content: space-between;
  transition: opacity 0.6s; opacity: 0; pointer-events: none; }
body.show-bar #bar, body.notes #bar { opacity: 1; }
#notes { display: none; width: 32%; min-width: 18em; padding: 1.2em; background: #15181e;
  font-size: 18px; line-height: 1.45; overflow-y: auto; }
body.notes #notes { display: block; }
#notes h2 { font-size: 20px; margin: 0 0 0.6em; }
#notes .next, #notes .clock { color: #9aa; font-size: 15px; margin-top: 1.2em; }
#help { display: none; position: absolute; top: 1em; left: 1em; padding: 1em 1.4em;
  background: rgba(20, 24, 30, 0.92); font-size: 15px; line-height: 1.6; }
body.help #help { display: block; }
kbd { border: 1px solid #667; border-radius: 3px; padding: 0 0.3em; }
"""

SCRIPT = """
const slides = JSON.parse(document.getElementById("deck-data").textContent);
const video = document.getElementById("video");
const body = document.body;
let current = -1, barTimer = null;
const started = Date.now();

function show(index, play) {
  index = Math.max(0, Math.min(slides.length - 1, index));
  const slide = slides[index];
  if (play && current >= 0 && index === current + 1) {
    video.poster = slides[current].poster;   // the frame on screen until the next video starts
  } else {
    video.poster = slide.poster;             // held on the step's last frame
  }
  current = index;
  video.dataset.state = play ? "playing" : "held";
  if (play) {
    video.src = slide.video;
    video.currentTime = 0;
    video.play().catch(() => {});
  } else {
    video.pause();
    video.removeAttribute("src");
    video.load();
  }
  history.replaceState(null, "", "#" + (index + 1));
  document.getElementById("where").textContent = slide.scene + " \\u2014 " + slide.title;
  document.getElementById("count").textContent = (index + 1) + " / " + slides.length;
  document.getElementById("notes-title").textContent = slide.title;
  document.getElementById("notes-text").textContent = slide.notes;
  document.getElementById("notes-next").textContent =
    index + 1 < slides.length ? "Next: " + slides[index + 1].title : "Last step";
  updatePresenter();
  body.classList.add("show-bar");
  clearTimeout(barTimer);
  barTimer = setTimeout(() => body.classList.remove("show-bar"), 2500);
}

video.addEventListener("ended", () => { video.dataset.state = "ended"; });

// The presenter window (P): the notes on the teacher's screen while the deck is on the projector;
// keys pressed in it steer the deck.
let presenter = null;
function openPresenter() {
  presenter = window.open("", "nnexplain-presenter", "width=640,height=420");
  if (!presenter) return;
  presenter.document.title = "Notes: " + document.title;
  presenter.document.body.innerHTML = document.getElementById("notes").innerHTML;
  presenter.document.body.style.cssText =
    "background:#15181e;color:#eee;font:20px/1.5 'DejaVu Sans',Arial,sans-serif;padding:1em";
  presenter.document.addEventListener("keydown", onKey);
  updatePresenter();
}
function updatePresenter() {
  if (!presenter || presenter.closed) return;
  for (const id of ["notes-title", "notes-text", "notes-next"]) {
    presenter.document.getElementById(id).textContent = document.getElementById(id).textContent;
  }
}

function next() { if (current + 1 < slides.length) show(current + 1, true); }
function previous() { if (current > 0) show(current - 1, false); }

function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key;
  if (["ArrowRight", " ", "PageDown", "Enter", "ArrowDown"].includes(key)) next();
  else if (["ArrowLeft", "PageUp", "Backspace", "ArrowUp"].includes(key)) previous();
  else if (key === "Home") show(0, false);
  else if (key === "End") show(slides.length - 1, false);
  else if (key === "f" || key === "F") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  } else if (key === "s" || key === "S" || key === "n" || key === "N") body.classList.toggle("notes");
  else if (key === "p" || key === "P") openPresenter();
  else if (key === "?") body.classList.toggle("help");
  else return;
  event.preventDefault();
}
document.addEventListener("keydown", onKey);
document.getElementById("stage").addEventListener("click", next);
setInterval(() => {
  const seconds = Math.floor((Date.now() - started) / 1000);
  const text = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  document.getElementById("clock").textContent = text;
  if (presenter && !presenter.closed) presenter.document.getElementById("clock").textContent = text;
}, 1000);

const wanted = parseInt(location.hash.slice(1), 10);
show(Number.isFinite(wanted) ? wanted - 1 : 0, !Number.isFinite(wanted));
"""

BODY = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nnexplain slides">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<div id="deck">
  <div id="stage">
    <div id="frame"><video id="video" muted playsinline preload="auto"></video></div>
    <div id="bar"><span id="where"></span><span id="count"></span></div>
    <div id="help">
      <kbd>&rarr;</kbd> <kbd>space</kbd> or click: next step &nbsp; <kbd>&larr;</kbd>: previous<br>
      <kbd>F</kbd>: full screen &nbsp; <kbd>S</kbd>: speaker notes &nbsp; <kbd>P</kbd>: notes in a
      window of their own &nbsp; <kbd>?</kbd>: this help
    </div>
  </div>
  <aside id="notes">
    <h2 id="notes-title"></h2>
    <div id="notes-text"></div>
    <div class="next" id="notes-next"></div>
    <div class="clock">Elapsed <span id="clock">0:00</span></div>
  </aside>
</div>
<script type="application/json" id="deck-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""


def deck_page(title: str, slides: list[dict]) -> str:
    """The deck's HTML. `slides`: dicts with scene, title, notes, and video and poster paths
    relative to the page."""
    data = json.dumps(slides, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return BODY.format(title=html.escape(title), style=STYLE, data=data, script=SCRIPT)
