/** The policies: pure access decisions, grant rules and masking. */
export type { Decision, DecisionInput, Grant, ItemUse, Obligations, Principal, QuotaUsage } from './Decision.js';
export { decide, DATA_ROLES } from './decide.js';
export { chooseGrant, grantsOf, isActiveGrant, isExpiredGrant, latestEnded, type GrantChoice } from './grants.js';
export { maskRow, maskValue } from './masks.js';
export {
  applicationProblems,
  decisionTerms,
  effectiveStatus,
  type ApplicationDecisionRequest,
  type ApplicationRequest,
  type ApplicationStatus,
  type GrantTerms,
} from './applicationWorkflow.js';
