/** A tiny GraphQL-over-HTTP client for `/graphql` (same origin, JSON, bearer token). */

export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkError";
  }
}

/** A top-level GraphQL error: not signed in, not allowed, or a bug on the server. */
export class RequestError extends Error {
  /** `reason`: why a FORBIDDEN was given, when the API says (e.g. PASSWORD_CHANGE_REQUIRED). */
  constructor(message: string, readonly code: string | undefined, readonly messageTh?: string,
              readonly reason?: string) {
    super(message);
    this.name = "RequestError";
  }
}

/** A mutation's expected failure (a member of its result union implementing UserError). */
export interface UserError {
  __typename: string;
  message: string;
  messageTh: string;
  code: string;
  field?: string;
  currentVersion?: number;
}

let token: string | null = null;
let onUnauthenticated: () => void = () => {};

export function setToken(value: string | null): void {
  token = value;
}

/** The bearer header value for requests outside GraphQL (uploads, file downloads), or null. */
export function authorization(): string | null {
  return token ? `Bearer ${token}` : null;
}

export function onSignedOut(handler: () => void): void {
  onUnauthenticated = handler;
}

/**
 * Trusted documents (api/documents.py): the build registers every document by the SHA-256 of
 * its text, so the client sends `documentId` instead of the text. A server that does not know
 * the id (a development server without the build, an older or newer build) answers 400; then
 * this page sends texts from there on.
 */
const documentIds = new Map<string, string>();
let sendDocumentIds = true;

async function documentIdOf(query: string): Promise<string | null> {
  if (!sendDocumentIds || !globalThis.crypto?.subtle) return null; // subtle: secure contexts only
  let id = documentIds.get(query);
  if (!id) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(query));
    id = "sha256:" + Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    documentIds.set(query, id);
  }
  return id;
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {},
                             endpoint = "/graphql"): Promise<T> {
  const documentId = await documentIdOf(query);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(documentId ? { documentId, variables } : { query, variables }),
    });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  if (documentId && response.status === 400) {
    sendDocumentIds = false;
    return gql<T>(query, variables, endpoint);
  }
  if (response.status >= 500 || response.status === 0) {
    throw new NetworkError(`HTTP ${response.status}`);
  }
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string; messageTh?: string; reason?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new NetworkError(`HTTP ${response.status}: not JSON`);
  }
  if (body.errors?.length) {
    const first = body.errors[0]!;
    const code = first.extensions?.code;
    if (code === "UNAUTHENTICATED") onUnauthenticated();
    throw new RequestError(first.message, code, first.extensions?.messageTh, first.extensions?.reason);
  }
  return body.data as T;
}

/** The part of a mutation result that matters: the success object, or the user error. */
export function isUserError(value: { __typename: string }): value is UserError {
  return "code" in value && "messageTh" in value;
}

/** The fields a mutation asks of its error members (only the members its union has). */
export function userErrorFields(stale = true): string {
  return `... on UserError { message messageTh code }
  ... on ValidationError { field }${stale ? "\n  ... on StaleVersionError { currentVersion }" : ""}`;
}
