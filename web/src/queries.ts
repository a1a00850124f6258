/** Every GraphQL document the client sends (schema.graphql is the contract). */
import { userErrorFields } from "./lib/graphql";

export const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on LoginSuccess { token mustChangePassword user { id username displayName role areaCode orgUnitCode isExtensionApprover } }
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

const EVENT = `id type at fromStatus toStatus note internal referralId attachmentId actor { displayName }`;

/** A case's photo or document (issue 14); `name` is null when masked. */
const ATTACHMENT = `id kind contentType sizeBytes name attachedAt referralId hasThumbnail mayOpen
  attachedBy { displayName }`;

const CASE_FULL = `id reference status description priority capturedAt receivedAt resolvedAt closedAt
  version escalationLevel outcome amountRecoveredThb satisfaction
  category { code nameTh nameEn }
  subdistrict { code nameTh nameEn district { nameTh nameEn } province { code nameTh nameEn } }
  citizen { fullName nationalId phone masked mayReveal anonymised }
  employer { name juristicId }
  filedBy { id displayName }
  referrals { id status current acceptDueAt resolveDueAt nextDueAt overdue escalationLevel reason
    outcome amountRecoveredThb completedAt version orgUnit { code nameTh nameEn } assignedTo { displayName } }
  events { ${EVENT} }
  attachments { ${ATTACHMENT} }
  attachmentRoom { filesLeft bytesLeft maxFileBytes mayAttach }`;

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
                 eventsPrepared meetingsAttended
                 lastActivityAt daysSinceLastActivity satisfactionCount meanSatisfaction }
  }
}`;

// issue 13: people
const PERSON = `username displayName role areaCode orgUnitCode phone email isActive mustChangePassword
  isUnitHead isExtensionApprover
  hasOpenCode lastSignInAt deactivatedAt createdAt mentor { username displayName }`;

export const PEOPLE = `query People($filter: UserFilterInput, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } people { ${PERSON} }
  }
}`;

export const PERSON_DETAIL = `query Person($username: String!) { person(username: $username) { ${PERSON} } }`;

export const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) {
    __typename
    ... on CreateUserSuccess { oneTimeCode codeExpiresAt person { ${PERSON} } }
    ${userErrorFields(false)}
  }
}`;

export const UPDATE_USER = `mutation UpdateUser($username: String!, $input: UpdateUserInput!) {
  updateUser(username: $username, input: $input) {
    __typename ... on UpdateUserSuccess { person { ${PERSON} } } ${userErrorFields(false)}
  }
}`;

export const DEACTIVATE_USER = `mutation DeactivateUser($username: String!, $handoverTo: String) {
  deactivateUser(username: $username, handoverTo: $handoverTo) {
    __typename
    ... on TurnoverSuccess { casesMoved referralsUnassigned menteesMoved handedOverTo { username displayName }
                             person { ${PERSON} } }
    ${userErrorFields(false)}
  }
}`;

export const MOVE_USER = `mutation MoveUser($username: String!, $areaCode: String!, $handoverTo: String) {
  moveUser(username: $username, areaCode: $areaCode, handoverTo: $handoverTo) {
    __typename
    ... on TurnoverSuccess { casesMoved menteesMoved handedOverTo { username displayName } person { username areaCode } }
    ${userErrorFields(false)}
  }
}`;

export const REACTIVATE_USER = `mutation ReactivateUser($username: String!) {
  reactivateUser(username: $username) {
    __typename ... on UpdateUserSuccess { person { ${PERSON} } } ${userErrorFields(false)}
  }
}`;

export const ISSUE_RESET_CODE = `mutation IssueResetCode($username: String!) {
  issueResetCode(username: $username) {
    __typename ... on IssueResetCodeSuccess { oneTimeCode codeExpiresAt } ${userErrorFields(false)}
  }
}`;

export const CHANGE_PASSWORD = `mutation ChangePassword($newPassword: String!, $currentPassword: String) {
  changePassword(newPassword: $newPassword, currentPassword: $currentPassword) {
    __typename ... on ChangePasswordSuccess { me { username } } ${userErrorFields(false)}
  }
}`;

// issue 13: reference data
const REF_CATEGORY = `code nameTh nameEn agencyCode priority acceptBusinessDays resolveBusinessDays legalClock active
  version`;
const REF_RULE = `id categoryCode areaPrefix agencyCode orgUnitCode addedAt area { code nameTh nameEn }
  orgUnit { code nameTh nameEn }`;

export const REF_CATEGORIES = `query RefCategories { categories(includeInactive: true) { ${REF_CATEGORY} } }`;

export const ROUTING_RULES = `query RoutingRules($categoryCode: String) {
  routingRules(categoryCode: $categoryCode) { ${REF_RULE} }
}`;

export const ROUTING_PREVIEW = `query RoutingPreview($categoryCode: String!, $subdistrictCode: String!) {
  routingPreview(categoryCode: $categoryCode, subdistrictCode: $subdistrictCode) {
    __typename
    ... on RoutingPreview { orgUnitCode orgUnit { code nameTh nameEn } rule { ${REF_RULE} }
                            subdistrict { code nameTh nameEn } }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const ADD_ROUTING_RULE = `mutation AddRoutingRule($input: RoutingRuleInput!) {
  addRoutingRule(input: $input) {
    __typename ... on RoutingRuleSuccess { rule { ${REF_RULE} } }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const REMOVE_ROUTING_RULE = `mutation RemoveRoutingRule($id: ID!) {
  removeRoutingRule(id: $id) {
    __typename ... on RoutingRuleSuccess { rule { id removedAt } }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const CREATE_CATEGORY = `mutation CreateCategory($code: String!, $input: CategoryInput!) {
  createCategory(code: $code, input: $input) {
    __typename ... on CategorySuccess { category { ${REF_CATEGORY} } }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const UPDATE_CATEGORY = `mutation UpdateCategory($code: String!, $version: Int!, $input: CategoryInput!,
                                                     $recomputeDeadlines: Boolean!) {
  updateCategory(code: $code, version: $version, input: $input, recomputeDeadlines: $recomputeDeadlines) {
    __typename ... on CategorySuccess { referralsMoved category { ${REF_CATEGORY} } }
    ... on UserError { message messageTh code } ... on ValidationError { field }
  }
}`;

export const DELETE_CATEGORY = `mutation DeleteCategory($code: String!) {
  deleteCategory(code: $code) {
    __typename ... on DeleteCategorySuccess { categoryCode }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const REF_OFFICES = `query RefOffices($provinceCode: String) {
  orgUnits(provinceCode: $provinceCode) { code nameTh nameEn provinceCode agency { code } }
}`;

export const ADD_ORG_UNIT = `mutation AddOrgUnit($input: OrgUnitInput!) {
  addOrgUnit(input: $input) {
    __typename ... on OrgUnitSuccess { orgUnit { code nameTh nameEn provinceCode } }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const RENAME_ORG_UNIT = `mutation RenameOrgUnit($code: String!, $nameTh: String!, $nameEn: String!) {
  renameOrgUnit(code: $code, nameTh: $nameTh, nameEn: $nameEn) {
    __typename ... on OrgUnitSuccess { orgUnit { code nameTh nameEn provinceCode } }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const HOLIDAYS_OF_YEAR = `query HolidaysOfYear($year: Int!) { holidays(year: $year) { day name source } }`;

export const ADD_HOLIDAY = `mutation AddHoliday($day: Date!, $name: String!) {
  addHoliday(day: $day, name: $name) {
    __typename ... on ChangeHolidaySuccess { day isBusinessDay referralsMoved }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const REMOVE_HOLIDAY = `mutation RemoveHoliday($day: Date!) {
  removeHoliday(day: $day) {
    __typename ... on ChangeHolidaySuccess { day isBusinessDay referralsMoved }
    ... on ValidationError { message messageTh code field }
  }
}`;

export const ADMIN_AUDIT_LOG = `query AdminAuditLog($filter: AdminAuditFilterInput, $first: Int, $after: String) {
  adminAuditLog(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    entries { id at requestId action targetType targetId actor { username displayName }
              changes { field before after } }
  }
}`;

// ---- outreach events (issue 16) ----

export const OUTREACH_SERVICES = `query OutreachServices { outreachServices { code nameTh nameEn agencyCode } }`;

const OUTREACH_EVENT_FIELDS = `id kind status title subdistrictCode venue startsAt endsAt capacity version
  cancelReason reportNote offices { orgUnitCode serviceCodes }
  volunteers { username displayName venueReady peopleInvited attendedAt }`;

export const OUTREACH_EVENTS = `query OutreachEvents($filter: OutreachEventFilterInput, $first: Int!) {
  outreachEvents(filter: $filter, first: $first) { ${OUTREACH_EVENT_FIELDS} }
}`;

export const OUTREACH_EVENT = `query OutreachEvent($id: ID!) { outreachEvent(id: $id) { ${OUTREACH_EVENT_FIELDS} } }`;

export const AREA_NEEDS = `query AreaNeeds($first: Int!) {
  areaNeeds(first: $first) { id subdistrictCode serviceCode peopleCount note capturedAt }
}`;

export const AREA_NEED_TABLE = `query AreaNeedTable($filter: AreaNeedFilterInput) {
  areaNeedTable(filter: $filter) { subdistrictCode districtCode serviceCode records people }
}`;

export const RECORD_AREA_NEED = `mutation RecordAreaNeed($input: RecordAreaNeedInput!) {
  recordAreaNeed(input: $input) { __typename ... on RecordAreaNeedSuccess { need { id } } ${userErrorFields(false)} }
}`;

export const PLAN_EVENT = `mutation PlanEvent($input: PlanEventInput!) {
  planEvent(input: $input) { __typename ... on PlanEventSuccess { event { id } } ${userErrorFields(false)} }
}`;

const CHANGED_EVENT = `__typename ... on ChangeEventSuccess { event { id status version } } ${userErrorFields()}`;

export const ANNOUNCE_EVENT = `mutation AnnounceEvent($id: ID!, $v: Int) {
  announceEvent(eventId: $id, expectedVersion: $v) { ${CHANGED_EVENT} }
}`;

export const MARK_EVENT_HELD = `mutation MarkEventHeld($id: ID!, $v: Int) {
  markEventHeld(eventId: $id, expectedVersion: $v) { ${CHANGED_EVENT} }
}`;

export const REPORT_EVENT = `mutation ReportEvent($id: ID!, $v: Int, $note: String) {
  reportEvent(eventId: $id, expectedVersion: $v, note: $note) { ${CHANGED_EVENT} }
}`;

export const CANCEL_EVENT = `mutation CancelEvent($id: ID!, $v: Int, $reason: String!) {
  cancelEvent(eventId: $id, expectedVersion: $v, reason: $reason) { ${CHANGED_EVENT} }
}`;

export const UPDATE_EVENT_CHECKLIST = `mutation UpdateEventChecklist($id: ID!, $input: EventChecklistInput!) {
  updateEventChecklist(eventId: $id, input: $input) { __typename ... on UpdateEventChecklistSuccess { event { id } } ${userErrorFields(false)} }
}`;

export const RECORD_SERVICE_ATTENDANCE = `mutation RecordServiceAttendance($id: ID!, $input: ServiceAttendanceInput!) {
  recordServiceAttendance(eventId: $id, input: $input) { __typename ... on RecordServiceAttendanceSuccess { attendance { id } } ${userErrorFields(false)} }
}`;

export const RECORD_MEETING_ATTENDANCE = `mutation RecordMeetingAttendance($id: ID!, $input: MeetingAttendanceInput!) {
  recordMeetingAttendance(eventId: $id, input: $input) { __typename ... on RecordMeetingAttendanceSuccess { event { id } } ${userErrorFields(false)} }
}`;

export const OUTREACH_REPORT = `query OutreachEventReport($id: ID!) {
  outreachEventReport(eventId: $id) {
    eventId status peopleServed satisfactionCount satisfactionAverage
    volunteersAssigned volunteersPrepared volunteersAttended peopleInvited
    served { orgUnitCode serviceCode peopleServed men women otherGender ageUnder25 age25To59 age60Plus }
    cases { caseId reference categoryCode status satisfaction }
    casesByStatus { status count }
  }
}`;

export const OUTREACH_FIGURES = `query OutreachFigures($fiscalYear: Int) {
  outreachFigures(fiscalYear: $fiscalYear) {
    areaCode fiscalYear
    provinces { provinceCode nameTh nameEn planned held reported cancelled peopleServed casesFiled }
    districts { districtCode nameTh nameEn needsRecorded peopleInNeed eventsHeld }
  }
}`;

export const VOLUNTEER_PARTICIPATION = `query VolunteerParticipation($fiscalYear: Int, $first: Int!) {
  volunteerParticipation(filter: { fiscalYear: $fiscalYear }, first: $first) {
    userId displayName areaCode eventsAssigned eventsPrepared meetingsAssigned meetingsAttended
  }
}`;
