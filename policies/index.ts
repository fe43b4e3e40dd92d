/** The policies: pure access decisions, grant rules and masking. */
export type { Decision, DecisionInput, Grant, ItemUse, Obligations, Principal } from './Decision.js';
export { decide, DATA_ROLES } from './decide.js';
export { chooseGrant, grantsOf, isActiveGrant, isExpiredGrant, latestEnded, type GrantChoice } from './grants.js';
export { maskRow, maskValue } from './masks.js';
