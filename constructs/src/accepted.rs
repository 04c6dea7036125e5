//! Every finding of the template scanners that the constructs accept on purpose, with why:
//! the one list to audit. Each entry is written into the `Metadata` of exactly the resources
//! it is true for, by the construct that made the decision (see
//! [`agentcdk_synth::ResourceOptionsMut::justify`]), so checkov, cfn_nag and cfn-guard run on
//! a user's template report only what nobody decided on.
//!
//! A finding that points at a real weakness is fixed in the construct, never listed here.

use agentcdk_synth::{AnyRef, Check, Stack};

/// A finding accepted on purpose: which check, and why it is right by design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The check.
    pub check: Check,
    /// Why failing it is right here (rendered as the scanner's comment).
    pub reason: &'static str,
}

impl Accepted {
    /// Records this justification on `resource`.
    pub fn apply(&self, stack: &mut Stack, resource: impl Into<AnyRef>) {
        stack.resource(resource).justify(self.check, self.reason);
    }
}

/// Functions without `reserved_concurrency` (the default).
pub const NO_RESERVED_CONCURRENCY: Accepted = Accepted {
    check: Check::LambdaReservedConcurrency,
    reason: "Reserved concurrency is opt-in (FunctionProps/AgentProps reserved_concurrency): as a default it would carve \
             capacity out of the account's shared pool for every function and throttle agents that asked for no limit; load \
             is bounded by the API stage throttling and the SQS event source's maximum concurrency instead.",
};

/// Functions outside a VPC (the default; `FunctionProps::vpc` opts in).
pub const NO_VPC: Accepted = Accepted {
    check: Check::LambdaInsideVpc,
    reason: "The function reaches only AWS APIs and model endpoints over TLS with IAM-signed requests, no private network \
             resources; a VPC would add NAT gateways or interface endpoints (cost, cold-start latency) without narrowing \
             access. Set FunctionProps::vpc when it must reach private resources.",
};

/// Functions API Gateway, a Function URL or an authorizer invokes: synchronously.
pub const INVOKED_SYNCHRONOUSLY: Accepted = Accepted {
    check: Check::LambdaDeadLetterQueue,
    reason: "Invoked synchronously (API Gateway method, route or authorizer, or a Function URL): an error goes back to the \
             caller, and a function's DeadLetterConfig applies to asynchronous invocations only.",
};

/// A function an agent delegates its turn to (`AgentBackend::Function`).
pub const AGENT_BACKEND_FUNCTION: Accepted = Accepted {
    check: Check::LambdaDeadLetterQueue,
    reason: "Invoked synchronously (RequestResponse) by the agent that delegates its turn to it: an error goes back to the \
             agent's handler, whose pipeline retries and dead-letters the turn; DeadLetterConfig applies to asynchronous \
             invocations only.",
};

/// Functions an SQS event source mapping invokes.
pub const INVOKED_BY_SQS: Accepted = Accepted {
    check: Check::LambdaDeadLetterQueue,
    reason: "Invoked by an SQS event source mapping: failed messages are retried and then moved to the source queue's \
             redrive dead-letter queue, which QueuePipeline always creates; DeadLetterConfig applies to asynchronous \
             invocations only.",
};

/// The stage of an agent API, an AgentCore front door or an `McpServer`'s REST API (POSTed
/// tool calls: one caller's result must not answer another).
pub const NO_STAGE_CACHE: Accepted = Accepted {
    check: Check::ApiGatewayStageCache,
    reason: "Agent APIs answer POSTed conversation turns and per-request results: a response cache would serve one caller's \
             reply to another request, and costs per hour. Caching is wrong for this traffic, not merely unused.",
};

/// A REST method with `MethodAuth::Public`.
pub const PUBLIC_METHOD: Accepted = Accepted {
    check: Check::ApiGatewayMethodAuthNone,
    reason: "The app chose a public method (MethodAuth::Public; the agent patterns require the explicit `public: true` \
             opt-in before an API may have no authorizer). Request validation and stage throttling still apply.",
};

/// The Agent Card route of an agent with A2A props (`GET {stage}/.well-known/agent-card.json`).
pub const AGENT_CARD_PUBLIC: Accepted = Accepted {
    check: Check::ApiGatewayMethodAuthNone,
    reason: "An A2A Agent Card is discovery data, public by the protocol's design (A2A 0.3, section 5.3): clients read it to \
             learn how to authenticate before they hold credentials. It names the agent, its skills and its security \
             scheme, never a secret; the JSON-RPC endpoint beside it is behind the agent's own access. Throttling applies.",
};

/// A Function URL with `UrlAuth::None`.
pub const PUBLIC_URL: Accepted = Accepted {
    check: Check::LambdaUrlAuthNone,
    reason: "The app chose a public Function URL (UrlAuth::None, which the patterns accept only with `public: true`; in \
             front of a CUSTOM_JWT AgentCore runtime the runtime verifies every bearer token, and an AWS_IAM URL would \
             take the Authorization header the token travels in).",
};

/// QueuePipeline's reply bucket has no server access logs.
pub const REPLY_BUCKET_NO_ACCESS_LOGS: Accepted = Accepted {
    check: Check::S3AccessLogging,
    reason: "The reply bucket holds transient agent replies, written and read only by the pipeline's own function roles \
             (least-privilege grants on its objects, public access blocked, TLS-only policy) and expired with the \
             responses. Access logs would need a second bucket keeping request metadata longer than the data itself; \
             CloudTrail data events audit object access where an account wants it.",
};

/// QueuePipeline's reply bucket is not versioned.
pub const REPLY_BUCKET_NO_VERSIONING: Accepted = Accepted {
    check: Check::S3Versioning,
    reason: "Each reply object is written once under its request id and expires with the response TTL: there is no \
             older version to restore, and versioning would keep noncurrent copies of users' replies past that expiry.",
};

/// The CloudFront distribution in front of a Function URL (`waf` on a Function URL door) has
/// no standard access logs.
pub const CLOUDFRONT_NO_ACCESS_LOGS: Accepted = Accepted {
    check: Check::CloudFrontAccessLogging,
    reason: "Its web ACL logs every request (client IP, URI, headers, WAF verdict) to an encrypted aws-waf-logs- log group \
             with retention, and the function logs each run: standard access logs would need an S3 bucket with ACLs \
             enabled to hold a third copy of the same request metadata.",
};

/// That distribution uses the default `*.cloudfront.net` certificate.
pub const DEFAULT_CERTIFICATE: Accepted = Accepted {
    check: Check::CloudFrontTls12,
    reason: "The distribution has no custom domain, so it serves the default *.cloudfront.net certificate, for which \
             CloudFront fixes the security policy (TLSv1) whatever MinimumProtocolVersion says. Put a custom domain with \
             an ACM certificate and TLSv1.2_2021 in front to raise it.",
};

/// Every accepted finding, in one list (the README shows it).
pub const ALL: &[Accepted] = &[
    NO_RESERVED_CONCURRENCY,
    NO_VPC,
    INVOKED_SYNCHRONOUSLY,
    INVOKED_BY_SQS,
    AGENT_BACKEND_FUNCTION,
    NO_STAGE_CACHE,
    PUBLIC_METHOD,
    AGENT_CARD_PUBLIC,
    PUBLIC_URL,
    REPLY_BUCKET_NO_ACCESS_LOGS,
    REPLY_BUCKET_NO_VERSIONING,
    CLOUDFRONT_NO_ACCESS_LOGS,
    DEFAULT_CERTIFICATE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_sentences_of_reviewable_length() {
        for a in ALL {
            assert!(a.reason.ends_with('.') && (60..=500).contains(&a.reason.len()), "{a:?}");
        }
    }
}
