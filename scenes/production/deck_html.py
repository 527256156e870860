"""The HTML deck: one self-contained page (its styles and script inline, no fonts, no network) that
plays one video per step from an assets folder beside it.

Keys: → / space / PageDown / Enter / click: next step (its video plays, then holds on its last
frame); ← / PageUp / Backspace: previous step, shown held on its last frame; Home / End; F: full
screen; S (or N): speaker notes beside the stage, with the next step and a clock; P: the notes in a
presenter window of their own (the arrow keys pressed there steer the deck); ?: the keys. The page
opens on a title card; → plays the first step. Next while a step still plays shows its last frame
first. The address's #n opens step n (held), also when edited in an open deck.
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
#card { display: none; position: absolute; inset: 0; flex-direction: column; align-items: center;
  justify-content: center; text-align: center; font-size: 28px; }
#card h1 { font-size: 40px; font-weight: normal; margin: 0 1em; }
#card p { font-size: 18px; color: #bcc; margin: 0.8em 1em 0; }
#card small { font-size: 16px; color: #9aa; margin-top: 1.6em; }
body.start #card { display: flex; }
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
  body.classList.remove("start");
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
  presenter.document.onkeydown = (event) => { if (navigate(event)) event.preventDefault(); };
  updatePresenter();
}
function updatePresenter() {
  if (!presenter || presenter.closed) return;
  for (const id of ["notes-title", "notes-text", "notes-next"]) {
    presenter.document.getElementById(id).textContent = document.getElementById(id).textContent;
  }
}

// next: a step still playing first jumps to its last frame; the next press starts the next step
function next() {
  if (current >= 0 && video.dataset.state === "playing") show(current, false);
  else if (current + 1 < slides.length) show(current + 1, true);
}
function previous() { if (current > 0) show(current - 1, false); }

function navigate(event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return false;
  const key = event.key;
  if (["ArrowRight", " ", "PageDown", "Enter", "ArrowDown"].includes(key)) { if (!event.repeat) next(); }
  else if (["ArrowLeft", "PageUp", "Backspace", "ArrowUp"].includes(key)) { if (!event.repeat) previous(); }
  else if (key === "Home") show(0, false);
  else if (key === "End") show(slides.length - 1, false);
  else return false;
  return true;
}

// F, S / N, P, ?: the audience screen's own keys (not taken from the presenter window)
function toggle(event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return false;
  const key = event.key.toLowerCase();
  if (key === "f") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  } else if (key === "s" || key === "n") body.classList.toggle("notes");
  else if (key === "p") openPresenter();
  else if (key === "?") body.classList.toggle("help");
  else return false;
  return true;
}

function onKey(event) {
  if (navigate(event) || toggle(event)) event.preventDefault();
}
document.addEventListener("keydown", onKey);
document.getElementById("stage").addEventListener("click", next);
setInterval(() => {
  const seconds = Math.floor((Date.now() - started) / 1000);
  const text = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  document.getElementById("clock").textContent = text;
  if (presenter && !presenter.closed) presenter.document.getElementById("clock").textContent = text;
}, 1000);

// #n in the address: step n, held; none: the title card, and the first press plays step 1
function fromHash() {
  const wanted = parseInt(location.hash.slice(1), 10);
  if (Number.isFinite(wanted) && wanted - 1 !== current) show(wanted - 1, false);
}
window.addEventListener("hashchange", fromHash);
if (location.hash) fromHash();
else document.getElementById("count").textContent = slides.length + " steps";
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
<body class="start">
<div id="deck">
  <div id="stage">
    <div id="frame"><video id="video" muted playsinline preload="auto"></video>
      <div id="card"><h1 id="card-title">{title}</h1><p id="card-subtitle">{subtitle}</p>
        <small>&rarr; or click to start &middot; ? for the keys</small></div></div>
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


def deck_page(title: str, slides: list[dict], subtitle: str = "") -> str:
    """The deck's HTML, opening on a card with `title` and `subtitle`. `slides`: dicts with scene,
    title, notes, and video and poster paths relative to the page.

    >>> page = deck_page("But what is a neural network?", [], "A 784-16-16-10 sigmoid network")
    >>> '<h1 id="card-title">But what is a neural network?</h1>' in page
    True
    """
    data = json.dumps(slides, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return BODY.format(
        title=html.escape(title), subtitle=html.escape(subtitle), style=STYLE, data=data, script=SCRIPT
    )
