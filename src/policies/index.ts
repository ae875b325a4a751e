// The policy families, one file each; the session and the cluster import them from here.
export type { Host } from './host.js';
export { DefaultLoadBalancingPolicy } from './load-balancing.js';
export type { HostRegistry, LoadBalancingPolicy, RoutingInfo } from './load-balancing.js';
export { DefaultRetryPolicy, FallthroughRetryPolicy } from './retry.js';
export type { RetryContext, RetryDecision, RetryPolicy } from './retry.js';
export { ConstantReconnectionPolicy, ExponentialReconnectionPolicy } from './reconnection.js';
export type { ReconnectionPolicy } from './reconnection.js';
export { ConstantSpeculativeExecutionPolicy, NoSpeculativeExecutionPolicy } from './speculative-execution.js';
export type { SpeculativeExecutionPolicy } from './speculative-execution.js';
export { IdentityAddressTranslator } from './address-translation.js';
export type { AddressTranslator } from './address-translation.js';
export { AdaptiveThrottle } from './throttle.js';
export type { AdaptiveThrottleOptions, RequestThrottle, ThrottleSnapshot } from './throttle.js';
