/** Every GraphQL document the client sends (schema.graphql is the contract). */
import { userErrorFields } from "./lib/graphql";

export const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on LoginSuccess { token user { id username displayName role areaCode orgUnitCode isExtensionApprover } }
    ... on UserError { message messageTh code }
  }
}`;

export const CATEGORIES = `query Categories { categories { code nameTh nameEn agencyCode } }`;

export const AREAS = `query Areas($parentCode: String, $search: String) {
  areas(parentCode: $parentCode, search: $search) { code nameTh nameEn level }
}`;

export const OPEN_CASE = `mutation OpenCase($input: OpenCaseInput!) {
  openCase(input: $input) {
    __typename
    ... on OpenCaseSuccess { case { id reference status } }
    ... on DuplicateCaseWarning { openCaseReference openCase { id reference status } }
    ${userErrorFields(false)}
  }
}`;

const CASE_ROW = `id reference status capturedAt receivedAt escalationLevel
  category { code nameTh nameEn }
  subdistrict { code nameTh nameEn }
  referrals { id status current nextDueAt overdue orgUnit { code nameTh nameEn } }`;

export const CASES = `query Cases($filter: CaseFilterInput, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ${CASE_ROW} } }
  }
}`;

const EVENT = `id type at fromStatus toStatus note internal referralId actor { displayName }`;

const CASE_FULL = `id reference status description priority capturedAt receivedAt resolvedAt closedAt
  version escalationLevel outcome amountRecoveredThb satisfaction
  category { code nameTh nameEn }
  subdistrict { code nameTh nameEn district { nameTh nameEn } province { code nameTh nameEn } }
  citizen { fullName nationalId phone masked mayReveal anonymised }
  employer { name juristicId }
  filedBy { id displayName }
  referrals { id status current acceptDueAt resolveDueAt nextDueAt overdue escalationLevel reason
    outcome amountRecoveredThb completedAt version orgUnit { code nameTh nameEn } assignedTo { displayName } }
  events { ${EVENT} }`;

export const CASE = `query Case($id: ID!) { case(id: $id) { ${CASE_FULL} } }`;

/** The citizen's national ID and phone whole, for a reason; the server writes it to the access log. */
export const REVEAL_CITIZEN = `mutation RevealCitizenIdentity($id: ID!, $reason: String!) {
  revealCitizenIdentity(caseId: $id, reason: $reason) {
    __typename
    ... on RevealCitizenIdentitySuccess { citizen { fullName nationalId phone } }
    ${userErrorFields(false)}
  }
}`;

export const REFERRALS = `query Referrals($filter: ReferralFilterInput, $first: Int) {
  referrals(filter: $filter, first: $first) {
    totalCount
    edges { node {
      id status acceptDueAt resolveDueAt nextDueAt overdue escalationLevel createdAt acceptedAt
      orgUnit { code nameTh nameEn }
      case { id reference status category { code nameTh nameEn } subdistrict { nameTh nameEn } }
    } }
  }
}`;

export const REFERRAL = `query Referral($id: ID!) {
  referral(id: $id) {
    id status current acceptDueAt resolveDueAt nextDueAt overdue escalationLevel reason outcome
    amountRecoveredThb completedAt acceptedAt version createdAt legalDueAt
    extension { status days reason decidedAt decisionNote }
    orgUnit { code nameTh nameEn provinceCode }
    assignedTo { displayName username }
    case { ${CASE_FULL} }
  }
}`;

const DESK_ROW = `id status version nextDueAt overdue escalationLevel legalDueAt createdAt
  orgUnit { code nameTh nameEn }
  assignedTo { username displayName }
  extension { status days }
  case { id reference category { code nameTh nameEn } subdistrict { code nameTh nameEn }
         citizen { fullName masked } }`;

/** The desk table: a page of referrals, cursor-paged, with what each role needs to see. */
export const DESK_REFERRALS = `query DeskReferrals($filter: ReferralFilterInput, $first: Int, $after: String) {
  referrals(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ${DESK_ROW} } }
  }
}`;

/** The people of one's office to whom a referral may be given. */
export const COLLEAGUES = `query Colleagues { colleagues { username displayName } }`;

/** A citizen's cases by national ID: logged, counted against the hourly lookup quota. */
export const CASES_OF_CITIZEN = `query CasesOfCitizen($nationalId: String!) {
  casesOfCitizen(nationalId: $nationalId) {
    __typename
    ... on CitizenCases { cases { id reference status receivedAt category { code nameTh nameEn }
      subdistrict { nameTh nameEn } referrals { id current status orgUnit { code } } } }
    ${userErrorFields(false)}
  }
}`;

/** For approvers: extensions waiting for a decision, the oldest request first. */
export const PENDING_EXTENSIONS = `query PendingExtensions($first: Int, $after: String) {
  pendingExtensions(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id legalDueAt orgUnit { code nameTh nameEn }
      extension { days reason requestedAt status }
      case { id reference category { code nameTh nameEn } subdistrict { nameTh nameEn } } } }
  }
}`;

export const DECIDE_EXTENSION = `mutation DecideExtension($id: ID!, $approve: Boolean!, $note: String) {
  decideExtension(referralId: $id, approve: $approve, note: $note) {
    __typename
    ... on DecideExtensionSuccess { extension { status days decidedAt } legalDueAt }
    ${userErrorFields(false)}
  }
}`;

export const ORG_UNITS = `query OrgUnits($provinceCode: String) {
  orgUnits(provinceCode: $provinceCode) { code nameTh nameEn agency { code } }
}`;

const REFERRAL_RESULT = `__typename
  ... on ${"%"}Success { referral { id status version } }
  ${userErrorFields()}`;

function referralMutation(name: string, success: string, args: string, params: string): string {
  return `mutation ${success}(${params}) {
    ${name}(${args}) { ${REFERRAL_RESULT.replace("%", success)} }
  }`;
}

export const ACCEPT = referralMutation("acceptReferral", "AcceptReferral",
  "referralId: $id, expectedVersion: $v", "$id: ID!, $v: Int");
export const HOLD = referralMutation("holdReferral", "HoldReferral",
  "referralId: $id, reason: $reason, expectedVersion: $v", "$id: ID!, $reason: String!, $v: Int");
export const RESUME = referralMutation("resumeReferral", "ResumeReferral",
  "referralId: $id, expectedVersion: $v", "$id: ID!, $v: Int");
export const COMPLETE = referralMutation("completeReferral", "CompleteReferral",
  "referralId: $id, outcome: $outcome, note: $note, amountRecoveredThb: $amount, expectedVersion: $v",
  "$id: ID!, $outcome: ReferralOutcome!, $note: String, $amount: Decimal, $v: Int");
export const REJECT = referralMutation("rejectReferral", "RejectReferral",
  "referralId: $id, reason: $reason, expectedVersion: $v", "$id: ID!, $reason: String!, $v: Int");
export const ASSIGN = referralMutation("assignReferral", "AssignReferral",
  "referralId: $id, expectedVersion: $v", "$id: ID!, $v: Int");
/** Give a referral to a colleague of the office (the colleague is told). */
export const ASSIGN_TO = `mutation AssignReferralTo($id: ID!, $to: String, $v: Int) {
  assignReferral(referralId: $id, assigneeUsername: $to, expectedVersion: $v) {
    __typename ... on AssignReferralSuccess { referral { id status version assignedTo { username displayName } } }
    ${userErrorFields()}
  }
}`;
export const REDIRECT = referralMutation("redirectReferral", "RedirectReferral",
  "referralId: $id, orgUnitCode: $unit, reason: $reason, expectedVersion: $v",
  "$id: ID!, $unit: String!, $reason: String!, $v: Int");

function caseMutation(name: string, success: string, args: string, params: string, stale = true): string {
  return `mutation ${success}(${params}) {
    ${name}(${args}) { __typename ... on ${success}Success { case { id status version } } ${userErrorFields(stale)} }
  }`;
}

export const SATISFACTION = caseMutation("recordSatisfaction", "RecordSatisfaction",
  "caseId: $id, score: $score, expectedVersion: $v", "$id: ID!, $score: Int!, $v: Int");
export const CLOSE = caseMutation("closeCase", "CloseCase",
  "caseId: $id, expectedVersion: $v", "$id: ID!, $v: Int");
export const ROUTE = caseMutation("routeCase", "RouteCase",
  "caseId: $id, orgUnitCodes: $units, expectedVersion: $v", "$id: ID!, $units: [String!]!, $v: Int");
export const REOPEN = caseMutation("reopenCase", "ReopenCase",
  "caseId: $id, reason: $reason, expectedVersion: $v", "$id: ID!, $reason: String!, $v: Int");
export const REJECT_CASE = caseMutation("rejectCase", "RejectCase",
  "caseId: $id, reason: $reason, expectedVersion: $v", "$id: ID!, $reason: String!, $v: Int");
/** Ask, once, to extend a referral's legal deadline by 1–30 days (an approver decides). */
export const REQUEST_EXTENSION = `mutation RequestExtension($id: ID!, $days: Int!, $reason: String!) {
  requestExtension(referralId: $id, days: $days, reason: $reason) {
    __typename
    ... on RequestExtensionSuccess { extension { referralId days status requestedAt } }
    ${userErrorFields(false)}
  }
}`;
export const ADD_NOTE = caseMutation("addNote", "AddNote",
  "caseId: $id, text: $text, internal: $internal", "$id: ID!, $text: String!, $internal: Boolean!", false);

export const UNREAD = `query Unread { notifications(unreadOnly: true, first: 1) { unreadCount } }`;

export const NOTIFICATIONS = `query Notifications($first: Int) {
  notifications(first: $first) {
    unreadCount
    edges { node { id kind subject bodyTh bodyEn caseId referralId createdAt readAt } }
  }
}`;

export const MARK_READ = `mutation MarkRead($ids: [ID!]!) {
  markNotificationsRead(ids: $ids) {
    __typename
    ... on MarkNotificationsReadSuccess { marked unreadCount }
    ${userErrorFields(false)}
  }
}`;

export const VOLUNTEER_ACTIVITY = `query VolunteerActivity($first: Int!) {
  volunteerActivity(first: $first) {
    volunteerCount inactive30Days inactive60Days inactive90Days asOf
    volunteers { userId displayName areaCode areaNameTh areaNameEn casesFiled openCases
                 lastActivityAt daysSinceLastActivity satisfactionCount meanSatisfaction }
  }
}`;
