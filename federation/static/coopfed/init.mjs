// nginx caches /static/ for a year, so every URL under it carries the static folder's
// version (?v=…). This module was loaded with it: the module it imports gets the same.
const version = new URL(import.meta.url).search
const { initAll } = await import(`../vendor/govuk-frontend/govuk-frontend.min.js${version}`)
initAll()
