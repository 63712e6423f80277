// Small enhancements on top of htmx. Every page works without this file.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var box = document.getElementById("search-suggestions");
  if (box) box.innerHTML = "";
});

// Parts that poll (data-poll: a conversation's new messages) ask only while the page is
// visible, and at once when it is shown again.
document.addEventListener("htmx:confirm", function (event) {
  if (document.hidden && event.target.hasAttribute("data-poll")) event.preventDefault();
});
document.addEventListener("visibilitychange", function () {
  if (document.hidden) return;
  document.querySelectorAll("[data-poll]").forEach(function (part) {
    part.dispatchEvent(new Event("pagevisible"));
  });
});
