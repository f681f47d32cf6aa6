// The kiosk: ask the door for a request, show its QR code, poll until the request is
// answered, show green or red with the reasons (Korean first, English below), start over.
// A refused answer (one that proved nothing about a trusted holder) shows red for a moment,
// then the same request again: the holder can still answer it.
"use strict";

// How long a result stays on screen before the next request; `/?hold=1500` shortens it (for
// tests and demos), within 0.5 s to 60 s.
const SHOW_RESULT_MS = (() => {
  const hold = Number.parseInt(new URLSearchParams(window.location.search).get("hold") ?? "", 10);
  return Number.isFinite(hold) ? Math.min(Math.max(hold, 500), 60000) : 6000;
})();
const POLL_MS = 400;
const kiosk = document.getElementById("kiosk");

function show(state) {
  kiosk.dataset.state = state;
  document.getElementById("waiting").hidden = state !== "waiting";
  document.getElementById("result").hidden = state === "waiting" || state === "starting";
}

function reasonItem(reason) {
  const li = document.createElement("li");
  li.dataset.code = reason.code;
  li.append(reason.ko);
  const en = document.createElement("span");
  en.lang = "en";
  en.textContent = reason.en;
  li.append(en);
  return li;
}

function showResult(state, verdict, reasons) {
  document.getElementById("verdict-ko").textContent = verdict.ko;
  document.getElementById("verdict-en").textContent = verdict.en;
  document.getElementById("reasons").replaceChildren(...reasons.map(reasonItem));
  show(state);
  setTimeout(newRequest, SHOW_RESULT_MS);
}

// How many refusals of the current request the page has shown.
let shownRefusals = 0;

function showRefusal(id, reasons) {
  document.getElementById("verdict-ko").textContent = "거부";
  document.getElementById("verdict-en").textContent = "Denied";
  document.getElementById("reasons").replaceChildren(...reasons.map(reasonItem));
  show("deny");
  setTimeout(() => {
    show("waiting");
    poll(id);
  }, SHOW_RESULT_MS);
}

async function poll(id) {
  let answer;
  try {
    const response = await fetch(`/api/requests/${encodeURIComponent(id)}`);
    answer = await response.json();
  } catch (e) {
    setTimeout(() => poll(id), POLL_MS * 5);
    return;
  }
  if (answer.state === "pending") {
    setTimeout(() => poll(id), POLL_MS);
  } else if (answer.state === "decided") {
    const d = answer.decision;
    const verdict = d.allow ? { ko: "통과", en: "Allowed" } : { ko: "거부", en: "Denied" };
    showResult(d.allow ? "allow" : "deny", verdict, d.reasons);
  } else if (answer.state === "refused") {
    if (answer.refusals !== shownRefusals) {
      shownRefusals = answer.refusals;
      showRefusal(id, answer.decision.reasons);
    } else {
      setTimeout(() => poll(id), POLL_MS);
    }
  } else if (answer.state === "unavailable") {
    showResult("unavailable", { ko: "확인 불가", en: "Cannot check" }, [
      { code: "CANNOT_CHECK", ko: "자격증명을 지금 확인할 수 없습니다", en: "The credential cannot be checked right now" },
    ]);
  } else {
    newRequest();
  }
}

async function newRequest() {
  try {
    const response = await fetch("/api/requests", { method: "POST" });
    const request = await response.json();
    kiosk.dataset.requestId = request.id;
    shownRefusals = 0;
    kiosk.dataset.nonce = request.nonce;
    document.getElementById("door").textContent = `출입 확인 · ${request.door}`;
    document.getElementById("qr").src = request.qr;
    document.getElementById("qr-openid4vp").src = request.openid4vp_qr;
    document.getElementById("expires").textContent = `만료 · Expires ${request.expires_at}`;
    show("waiting");
    poll(request.id);
  } catch (e) {
    setTimeout(newRequest, 2000);
  }
}

newRequest();
