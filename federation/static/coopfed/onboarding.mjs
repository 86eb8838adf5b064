// Onboarding wizard, progressively enhanced: every page works without this script.
//  - step 1: suggests the web-address short name from the English name as it is typed,
//    until the person edits the short name themselves;
//  - the progress page: polls the JSON status instead of reloading the whole page, and
//    goes to the new workspace once it is ready.

function slugify (name) {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 40).replace(/-+$/, '')
}

function suggestSlug () {
  const name = document.getElementById('name')
  const slug = document.getElementById('slug')
  if (!name || !slug) return
  let edited = slug.value !== '' && slug.value !== slugify(name.value)
  slug.addEventListener('input', () => { edited = slug.value !== '' })
  name.addEventListener('input', () => { if (!edited) slug.value = slugify(name.value) })
}

function followProgress () {
  const root = document.getElementById('onboarding-progress')
  if (!root) return
  const bar = document.getElementById('progress-bar')
  const text = document.getElementById('progress-text')
  const template = text.textContent.replace(/\d+/, '{}')
  let lastFailed = null
  async function poll () {
    let status
    try {
      const response = await fetch(root.dataset.statusUrl, { headers: { Accept: 'application/json' } })
      if (!response.ok) throw new Error(response.status)
      status = await response.json()
    } catch (error) {
      setTimeout(poll, 2000)
      return
    }
    bar.value = status.percent
    bar.textContent = status.percent + '%'
    text.textContent = template.replace('{}', status.percent)
    for (const stage of status.stages) {
      const item = root.querySelector(`[data-stage="${stage.code}"] .govuk-tag`)
      if (item && stage.done && !item.classList.contains('govuk-tag--green')) {
        item.classList.replace('govuk-tag--grey', 'govuk-tag--green')
        item.textContent = root.dataset.doneLabel
      }
    }
    if (status.ready) {
      setTimeout(() => { window.location.assign(status.workspace_url) }, 1200)
      return
    }
    if (lastFailed !== null && status.failed !== lastFailed) {
      window.location.reload()
      return
    }
    lastFailed = status.failed
    if (!status.failed) setTimeout(poll, 700)
  }
  setTimeout(poll, 500)
}

suggestSlug()
followProgress()
