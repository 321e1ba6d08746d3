// Spark web app: small progressive enhancements. Every page works without this file.
// Forms marked data-enhance post in place; the compose box counts characters and previews images;
// the home timeline listens to the streaming API and offers new posts behind a banner.

const FETCH = { "X-Requested-With": "fetch" };
const live = { forget() {} }; // set up by the live home timeline below

async function send(form) {
  const response = await fetch(form.action, { method: "POST", body: new FormData(form), headers: FETCH,
    credentials: "same-origin" });
  const text = await response.text();
  if (!response.ok) throw new Error(text || `The server answered ${response.status}.`);
  return text;
}

function fromHTML(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

function announce(message) {
  let region = document.getElementById("announcer");
  if (!region) {
    region = document.createElement("div");
    region.id = "announcer";
    region.className = "vh";
    region.setAttribute("role", "status");
    document.body.append(region);
  }
  region.textContent = message;
}

// Like / repost / bookmark / follow: swap the returned fragment in and keep focus on the same button.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  const kind = form.dataset.enhance;
  if (!kind) return;
  event.preventDefault();
  const button = form.querySelector("button");
  const action = button?.dataset.action;
  button.disabled = true;
  try {
    const html = await send(form);
    const target = kind === "actions" ? form.closest(".actions") : form;
    const replacement = fromHTML(html);
    target.replaceWith(replacement);
    replacement.querySelector(`[data-action="${action}"]`)?.focus();
    announce("Done.");
  } catch (error) {
    button.disabled = false;
    announce(error.message);
    window.alert(error.message);
  }
});

// Compose: characters left, image preview, posting without leaving the page.
function countChars(text) {
  // As the server counts: every link as 23 characters, @user@domain as @user.
  const counted = text.replace(/https?:\/\/\S+/g, "x".repeat(23)).replace(/@(\w+)@[\w.-]+\w/g, "@$1");
  return [...counted].length; // code points, as Python's len()
}

for (const form of document.querySelectorAll("form[data-compose]")) {
  const textarea = form.querySelector("textarea");
  const cw = form.querySelector("#spoiler_text");
  const counter = form.querySelector("[data-counter]");
  const max = Number(textarea.dataset.max);
  const update = () => {
    const left = max - countChars(textarea.value) - (cw ? cw.value.length : 0);
    counter.textContent = `${left} characters left`;
    counter.classList.toggle("over", left < 0);
  };
  textarea.addEventListener("input", update);
  cw?.addEventListener("input", update);
  update();

  const file = form.querySelector("input[type=file][data-preview]");
  file?.addEventListener("change", () => {
    const preview = document.getElementById(file.dataset.preview);
    preview.replaceChildren();
    const chosen = file.files[0];
    if (!chosen) return;
    const image = document.createElement("img");
    image.src = URL.createObjectURL(chosen);
    image.alt = "Preview of the chosen image";
    preview.append(image);
  });

  const feed = document.getElementById("feed");
  if (!feed || form.querySelector("[name=in_reply_to_id], [name=quoted_status_id]")) continue;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = form.querySelector("[data-error]");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const card = fromHTML(await send(form));
      card.classList.add("fresh");
      feed.querySelector("[data-empty]")?.remove();
      if (!document.getElementById(card.id)) feed.prepend(card);
      live.forget(card.dataset.id);
      form.reset();
      form.querySelector(".preview")?.replaceChildren();
      form.querySelectorAll("details").forEach((d) => { d.open = false; });
      error.hidden = true;
      update();
      announce("Posted.");
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      error.focus?.();
    } finally {
      button.disabled = false;
    }
  });
}

// Live home timeline: new posts wait behind a banner so the page never jumps while reading.
const token = document.querySelector('meta[name="spark-stream"]')?.content;
const liveFeed = document.querySelector('[data-live="home"]');
if (token && liveFeed && "EventSource" in window) {
  const banner = document.querySelector("[data-new-posts]");
  const badge = document.querySelector("[data-unread]");
  const waiting = [];
  const showBanner = () => {
    for (let i = waiting.length - 1; i >= 0; i -= 1) {
      if (document.getElementById(`s-${waiting[i]}`)) waiting.splice(i, 1);
    }
    banner.hidden = waiting.length === 0;
    banner.textContent = waiting.length === 1 ? "1 new post" : `${waiting.length} new posts`;
  };
  banner.addEventListener("click", async () => {
    const ids = waiting.splice(0).reverse();
    showBanner();
    const cards = await Promise.all(ids.map(async (id) => {
      const response = await fetch(`/web/statuses/${id}/card?back=/home`, { headers: FETCH, credentials: "same-origin" });
      return response.ok ? fromHTML(await response.text()) : null;
    }));
    liveFeed.querySelector("[data-empty]")?.remove();
    for (const card of cards.filter(Boolean).reverse()) {
      if (document.getElementById(card.id)) continue;
      card.classList.add("fresh");
      liveFeed.prepend(card);
    }
    liveFeed.querySelector("article")?.querySelector("a")?.focus();
  });
  live.forget = showBanner;
  const stream = new EventSource(`/api/v1/streaming/user?access_token=${encodeURIComponent(token)}`);
  stream.addEventListener("open", () => { liveFeed.dataset.connected = "true"; });
  stream.addEventListener("update", (event) => {
    const status = JSON.parse(event.data);
    if (document.getElementById(`s-${status.id}`) || waiting.includes(status.id)) return;
    waiting.push(status.id);
    showBanner();
  });
  stream.addEventListener("delete", (event) => {
    document.getElementById(`s-${event.data}`)?.remove();
    const at = waiting.indexOf(event.data);
    if (at >= 0) { waiting.splice(at, 1); showBanner(); }
  });
  stream.addEventListener("notification", () => {
    if (!badge) return;
    const count = (parseInt(badge.textContent.replace(/\D/g, ""), 10) || 0) + 1;
    badge.replaceChildren(Object.assign(document.createElement("span"), { className: "vh", textContent: ", unread: " }),
      count > 99 ? "99+" : String(count));
    badge.hidden = false;
  });
  window.addEventListener("pagehide", () => stream.close());
}
