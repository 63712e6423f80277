// Small enhancements on top of htmx. Every page works without this file.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var box = document.getElementById("search-suggestions");
  if (box) box.innerHTML = "";
});
