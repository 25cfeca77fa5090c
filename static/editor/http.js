/** JSON requests to the editor's endpoints, with the page's CSRF token. */

/** The CSRF token base.html puts in `<meta name="csrf-token">`. */
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

/**
 * Send a JSON body and read a JSON answer.
 * @returns {Promise<{status: number, data: any}>} data is null when the answer is not JSON;
 *   status is 0 when the request did not reach the server.
 */
export async function sendJSON(url, body, { method = "POST", signal } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      body: JSON.stringify(body),
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return { status: 0, data: null };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, data };
}

/** The problems of an answer: `problems` from validation, `errors` from a refused request. */
export function problemsOf(data) {
  if (data && Array.isArray(data.problems)) return data.problems;
  if (data && Array.isArray(data.errors)) return data.errors;
  return [];
}
