// Archive jobs, progressively enhanced: without this script "Check progress" reloads the
// page. With it, each job still being prepared is polled, its bar moves, and the page
// reloads once the archive is ready, so that the download link appears.

function follow (row) {
  const bar = row.querySelector('progress')
  const percent = row.querySelector('[data-role="percent"]')
  const state = row.querySelector('[data-role="state"]')
  const announce = document.getElementById('portability-announce')
  async function poll () {
    let status
    try {
      const response = await fetch(row.dataset.statusUrl, { headers: { Accept: 'application/json' } })
      if (!response.ok) throw new Error(response.status)
      status = await response.json()
    } catch (error) {
      setTimeout(poll, 3000)
      return
    }
    bar.value = status.progress
    bar.textContent = status.progress + '%'
    percent.textContent = status.progress + '%'
    state.textContent = status.state_name
    if (status.state === 'queued' || status.state === 'running') {
      setTimeout(poll, 1500)
    } else {
      if (announce) announce.textContent = status.state_name
      setTimeout(() => { window.location.reload() }, 800)
    }
  }
  poll()
}

document.querySelectorAll('tr[data-status-url]').forEach(follow)
