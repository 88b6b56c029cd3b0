// The camera recorder of round video notes.
"use strict";

// Records a round video note with the camera (getUserMedia + MediaRecorder, WebM) for at most
// the composer's number of seconds, with a countdown, then previews it before sending. What the
// bot asked stays in view above the camera. When the camera cannot be used, a note says why.
class VideoNoteRecorder {
  constructor(root, send, botTurn) {
    this.send = send;
    this.botTurn = botTurn;
    this.panel = root.querySelector(".recorder");
    this.prompt = this.panel.querySelector(".recorder-prompt");
    this.video = this.panel.querySelector("video");
    this.countdown = this.panel.querySelector(".countdown");
    this.buttons = Object.fromEntries(
      [...this.panel.querySelectorAll("button[data-action]")].map((b) => [b.dataset.action, b]));
    this.controls = root.querySelector(".record-controls");
    this.note = root.querySelector(".camera-note");
    this.list = root.querySelector(".messages");
    this.seconds = root.querySelector("input[name=record_seconds]");
    this.stream = null;
    this.recorder = null;
    this.blob = null;
    this.session = 0;              // a recording's stop event only counts for its own session
    root.querySelector("button.record").addEventListener("click", () => this.record());
    this.buttons.stop.addEventListener("click", () => this.stopRecording());
    this.buttons.retake.addEventListener("click", () => this.record());
    this.buttons.cancel.addEventListener("click", () => this.close());
    this.buttons.send.addEventListener("click", async () => {
      if (this.blob && await this.send(this.blob, this.duration)) this.close();
    });
    this.checkAvailable();
  }

  // Why recording cannot work here (a message id), or null.
  static async unavailableReason() {
    if (!window.isSecureContext) return "webchat-camera-insecure";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof MediaRecorder === "undefined") {
      return "webchat-camera-unsupported";
    }
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      if (!devices.some((d) => d.kind === "videoinput")) return "webchat-camera-none";
    } catch (error) { /* enumerating is optional: recording will say what is wrong */ }
    return null;
  }

  async checkAvailable() {
    const reason = await VideoNoteRecorder.unavailableReason();
    this.controls.hidden = Boolean(reason);
    this.explain(reason);
  }

  explain(id, params) {
    this.note.hidden = !id;
    this.note.dataset.reason = id || "";
    this.note.textContent = id ? tr(id, params) : "";
  }

  static failure(error) {
    if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) return "webchat-camera-denied";
    if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) return "webchat-camera-none";
    return "webchat-camera-failed";
  }

  static mimeType() {
    const types = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm;codecs=vp8", "video/webm"];
    return types.find((t) => MediaRecorder.isTypeSupported(t)) || "";
  }

  async openCamera() {
    const video = { facingMode: "user", width: { ideal: 480 }, height: { ideal: 480 } };
    try {
      return await navigator.mediaDevices.getUserMedia({ video, audio: true });
    } catch (error) {
      return navigator.mediaDevices.getUserMedia({ video });  // no microphone: video only
    }
  }

  refreshPrompt() {
    if (this.panel.hidden) return;
    const texts = this.botTurn();
    this.prompt.hidden = !texts.length;
    for (const old of this.prompt.querySelectorAll(".recorder-prompt-text")) old.remove();
    for (const text of texts) {
      const line = document.createElement("div");
      line.className = "recorder-prompt-text";
      line.textContent = text;
      this.prompt.appendChild(line);
    }
    this.list.scrollTop = this.list.scrollHeight;
  }

  async record() {
    this.reset();
    const session = this.session;
    this.panel.hidden = false;
    this.refreshPrompt();
    this.countdown.textContent = tr("webchat-camera-opening");
    try {
      this.stream = await this.openCamera();
    } catch (error) {
      this.explain(VideoNoteRecorder.failure(error), { error: error.name || error.message });
      this.close();
      return;
    }
    if (session !== this.session) { this.releaseCamera(); return; }
    this.explain(null);
    const limit = Math.min(Math.max(Number(this.seconds.value) || 5, 1), 60);
    this.video.srcObject = this.stream;
    this.video.controls = false;
    this.video.play().catch(() => {});
    const chunks = [];
    const mimeType = VideoNoteRecorder.mimeType();
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : {});
    this.recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    this.recorder.addEventListener("stop", () => {
      if (session === this.session) this.preview(new Blob(chunks, { type: "video/webm" }));
    });
    const started = performance.now();
    this.recorder.start(250);
    this.buttons.stop.hidden = false;
    const tick = () => {
      const left = limit - (performance.now() - started) / 1000;
      this.duration = Math.min(limit, (performance.now() - started) / 1000);
      this.countdown.textContent = tr("webchat-recording", { seconds: Math.max(0, Math.ceil(left)) });
      if (left <= 0) this.stopRecording();
    };
    tick();
    this.timer = setInterval(tick, 200);
  }

  stopRecording() {
    clearInterval(this.timer);
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.releaseCamera();
  }

  preview(blob) {
    this.blob = blob;
    this.video.srcObject = null;
    this.video.src = URL.createObjectURL(blob);
    this.video.controls = true;
    this.video.loop = true;
    this.video.play().catch(() => {});
    this.countdown.textContent = tr("webchat-preview", { seconds: Math.max(1, Math.round(this.duration)) });
    this.countdown.classList.add("preview");
    this.buttons.stop.hidden = true;
    this.buttons.send.hidden = false;
    this.buttons.retake.hidden = false;
  }

  releaseCamera() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
  }

  reset() {
    this.session += 1;
    clearInterval(this.timer);
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.recorder = null;
    this.releaseCamera();
    if (this.video.src) URL.revokeObjectURL(this.video.src);
    this.video.removeAttribute("src");
    this.video.srcObject = null;
    this.blob = null;
    this.duration = 0;
    this.countdown.textContent = "";
    this.countdown.classList.remove("preview");
    this.buttons.send.hidden = true;
    this.buttons.retake.hidden = true;
  }

  close() {
    this.reset();
    this.panel.hidden = true;
  }
}
