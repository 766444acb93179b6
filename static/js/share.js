// Progressive enhancement of the case page's share box: without JavaScript the link is in a
// read-only field to select and copy, and the browser's own print command prints the page.
document.querySelectorAll("[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = button.dataset.done;
    } catch {
      field.select();
      status.textContent = button.dataset.failed;
    }
  });
});
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
document.querySelectorAll("[data-print-hint]").forEach((hint) => { hint.hidden = true; });
