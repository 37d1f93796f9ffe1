"""Edge components: the CloudFront distribution (cdn) and AWS WAF (waf).

Traffic: players -> CloudFront -> (static files) the assets bucket through an Origin Access Control,
(API and websockets, ``cdn.api_path_patterns``) the ALB over HTTPS. WAF protects both entry points:
a CLOUDFRONT-scope web ACL (us-east-1) on the distribution and a REGIONAL one on the ALB, which
stays reachable from the internet unless ``alb.ingress`` is ``cloudfront``.

Ownership across units:
- the cdn unit writes the assets bucket's whole policy while it exists (TLS-only deny plus the OAC
  grant bound to the distribution ARN, which only exists after the assets unit); the assets unit
  then gets ``manage_bucket_policy = false``.
- the assets objects are SSE-KMS encrypted with the customer key; CloudFront decrypts them as
  ``cloudfront.amazonaws.com``. The kms unit is applied long before the distribution exists, so
  the key policy cannot name the distribution (aws:SourceArn) and instead limits the service to
  this account (aws:SourceAccount), via ``kms_service_principals``. Accepted: only CloudFront
  distributions of this account, which the account controls anyway, can use that grant.
- Warm standby (generator/standby.py): the cdn and dns_records units stay in the primary tree and
  serve both regions. CloudFront gets the standby ALB as a second origin (``standby-<origin name>``)
  and an origin group (primary ALB first) for the read-only API paths, the only behaviours an origin
  group may serve (GET/HEAD/OPTIONS); the read-write API stays on the origin name, which Route 53
  fails over to the standby ALB by health check when ``dns.hosted_zone_id`` is set. The standby's
  waf unit protects only its ALB (REGIONAL) until promotion; promoted, it also owns the CLOUDFRONT
  web ACL and the primary's waf unit leaves with the rest of the primary region.
- CloudFront access logs go to the log bucket through CloudFront standard logging v2 (CloudWatch
  Logs vended delivery), which the log bucket grants by policy under ``CLOUDFRONT_LOG_PREFIX``; the
  legacy ACL-based logging would need ACLs switched back on in the log bucket.
"""

from __future__ import annotations

import fnmatch
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.services import PathPattern
from ..schema.types import DomainName
from .application import CLOUDFRONT_LOG_PREFIX, enabled_services
from .base import Assertion, Component, EnvContext, NamedResource, expect, expect_set, hcl_value, log_groups

#: the oldest TLS CloudFront accepts from viewers (templates/modules/cdn sets it; not a setting)
CLOUDFRONT_MINIMUM_PROTOCOL = "TLSv1.2_2021"

#: ISO 3166-1 alpha-2 country code (format check: two capital letters)
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
#: a key in the assets bucket, as CloudFront's error pages and default root object name it
PagePath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9_\-.~/]{1,254}$")]

#: HTTP codes CloudFront lets a custom error response replace, and the codes it may answer with
CLOUDFRONT_ERROR_CODES = (400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504)
CLOUDFRONT_RESPONSE_CODES = (200, *CLOUDFRONT_ERROR_CODES)

#: AWS managed rule groups every web ACL runs (the anonymous IP list is optional)
MANAGED_RULE_GROUPS = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                       "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet")

#: primary-ALB status codes on which CloudFront retries a read-only request on the standby's ALB
#: (connection errors and timeouts fail over without being listed)
ORIGIN_FAILOVER_STATUS_CODES = (500, 502, 503, 504)
#: Route 53 health checks of the ALBs behind the failover records: seconds between checks, and the
#: consecutive failures that make an ALB unhealthy (90 s until the standby answers)
HEALTH_CHECK_INTERVAL, HEALTH_CHECK_FAILURES = 30, 3

# --- cdn ----------------------------------------------------------------------------------------


class ErrorResponseSettings(StrictModel):
    error_code: Literal[400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504] = Field(
        description="HTTP status from the origin that this entry replaces.")
    response_code: Literal[200, 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504] = Field(
        description="HTTP status CloudFront returns instead.")
    response_page_path: PagePath = Field(description="Page (an object in the assets bucket) CloudFront returns.")
    ttl: int = Field(ge=0, le=31536000, description="Seconds CloudFront caches the error response.")


#: Referrer-Policy values CloudFront's response headers policies accept
ReferrerPolicy = Literal["no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
                         "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"]


class SecurityHeadersSettings(StrictModel):
    """The response headers policy on every behaviour (templates/modules/cdn). X-Content-Type-Options:
    nosniff and X-XSS-Protection: 0 are always sent and not settings."""

    hsts_max_age_seconds: int = Field(
        ge=31536000, le=63072000,
        description="Strict-Transport-Security max-age: seconds browsers use only HTTPS for the aliases "
                    "(one to two years).")
    hsts_include_subdomains: bool = Field(
        description="Strict-Transport-Security includeSubDomains: also every name below the aliases.")
    hsts_preload: bool = Field(
        description="Strict-Transport-Security preload: consent to the browsers' HSTS preload list "
                    "(hstspreload.org). A commitment for the domain and all its subdomains that is slow to undo; "
                    "false leaves that decision to the domain owner.")
    frame_options: Literal["DENY", "SAMEORIGIN"] = Field(
        description="X-Frame-Options: DENY (no framing) or SAMEORIGIN (only the aliases' own pages frame them).")
    referrer_policy: ReferrerPolicy = Field(description="Referrer-Policy of every response.")
    content_security_policy: str | None = Field(
        default=None, min_length=1, max_length=1783, pattern=r"^[\x20-\x7e]+$",
        description="Content-Security-Policy of every response; null sends none. The web client's script, "
                    "style, font and websocket origins are the game team's, so fgen cannot guess it.")

    @model_validator(mode="after")
    def _preloadable(self) -> "SecurityHeadersSettings":
        # hstspreload.org refuses a header without includeSubDomains (max-age below a year is refused above)
        if self.hsts_preload and not self.hsts_include_subdomains:
            raise ValueError("hsts_preload: true needs hsts_include_subdomains: true (the HSTS preload list, "
                             "hstspreload.org, refuses a domain whose header lacks includeSubDomains)")
        return self


class CdnSettings(StrictModel):
    enabled: bool = Field(description="Put CloudFront in front of the assets bucket and the ALB.")
    aliases: list[DomainName] | None = Field(
        default=None, min_length=1, max_length=10,
        description="Domain names the distribution answers to; default [dns.domain]. "
                    "dns.cloudfront_certificate_arn must cover each.")
    origin_domain: DomainName | None = Field(
        default=None,
        description="DNS name CloudFront uses to reach the ALB; default origin.<dns.domain>. It must point "
                    "at the ALB: fgen creates the alias record when dns.hosted_zone_id is set, otherwise the "
                    "customer does (see the cdn unit's origin_dns_record output). dns.certificate_arn (the "
                    "ALB certificate) must cover it: CloudFront checks the origin's certificate against this "
                    "name. With a warm standby the standby's certificate (standby.certificate_arn) must cover it "
                    "as well (Route 53 fails it over to the standby ALB), and standby-<origin_domain>, the name "
                    "CloudFront reaches the standby ALB by directly (its first label prefixed with 'standby-', "
                    "e.g. standby-origin.<dns.domain>; a wildcard certificate for the parent covers both).")
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = Field(
        description="Edge locations: PriceClass_100 (North America, Europe), PriceClass_200 (+ Asia, Middle "
                    "East, Africa) or PriceClass_All (every location, lowest latency everywhere).")
    default_root_object: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_\-.~][A-Za-z0-9_\-.~/]{0,254}$",
        description="Object served for the root URL, e.g. index.html (no leading slash); null for none.")
    api_path_patterns: list[PathPattern] = Field(
        min_length=1, max_length=20,
        description="Paths CloudFront sends to the ALB uncached (API, websockets); every service's "
                    "path_patterns must fall under one. Everything else comes from the assets bucket.")
    read_only_path_patterns: list[PathPattern] = Field(
        default_factory=list, max_length=10,
        description="API paths CloudFront sends to the ALB uncached for GET, HEAD and OPTIONS only (reads: game "
                    "configuration, leaderboards); other methods get 403. Each must fall under an "
                    "api_path_patterns entry, which it takes precedence over. With a warm standby these paths "
                    "fail over to the standby's ALB within the request (CloudFront origin group, on "
                    "500/502/503/504 or a connection error): origin groups only serve GET/HEAD/OPTIONS, so the "
                    "read-write API fails over by DNS instead.")
    custom_error_responses: list[ErrorResponseSettings] = Field(
        default_factory=list, max_length=11,
        description="Error pages served from the assets bucket, one per origin error code.")
    geo_restriction_type: Literal["none", "whitelist", "blacklist"] = Field(
        default="none", description="CloudFront geo restriction: none, whitelist (only the countries) or "
                                    "blacklist (all but the countries).")
    geo_restriction_countries: list[CountryCode] = Field(
        default_factory=list, max_length=250,
        description="ISO 3166-1 alpha-2 codes of the geo restriction (empty with type none).")
    access_log_format: Literal["w3c", "json", "parquet"] = Field(
        description="Format of the access log files delivered to the log bucket (standard logging v2).")
    security_headers: SecurityHeadersSettings = Field(
        description="Security headers CloudFront adds to every response (HSTS, nosniff, frame options, "
                    "referrer policy, optional CSP), overriding the origin's.")

    @model_validator(mode="after")
    def _consistent(self) -> "CdnSettings":
        codes = [r.error_code for r in self.custom_error_responses]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"custom_error_responses lists error_code {duplicates} more than once")
        if (self.geo_restriction_type == "none") != (not self.geo_restriction_countries):
            raise ValueError("geo_restriction_countries must be given exactly when geo_restriction_type is "
                             f"not 'none' (type is '{self.geo_restriction_type}', "
                             f"{len(self.geo_restriction_countries)} countries)")
        if len(set(self.api_path_patterns)) != len(self.api_path_patterns):
            raise ValueError("api_path_patterns lists a pattern more than once")
        if len(set(self.read_only_path_patterns)) != len(self.read_only_path_patterns):
            raise ValueError("read_only_path_patterns lists a pattern more than once")
        both = sorted(set(self.read_only_path_patterns) & set(self.api_path_patterns))
        if both:
            raise ValueError(f"{', '.join(both)} is in both read_only_path_patterns and api_path_patterns; a path is "
                             "either read-only or read-write (CloudFront allows one behaviour per pattern)")
        if self.aliases is not None and len(set(self.aliases)) != len(self.aliases):
            raise ValueError("aliases lists a name more than once")
        return self


def _under(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


class Cdn(Component):
    name = "cdn"
    standby = "shared"
    module = "cdn"
    description = ("CloudFront distribution: static assets from S3 through an Origin Access Control, the API "
                   "and websockets from the ALB, TLS 1.2+, WAF, access logs.")
    Settings = CdnSettings
    provider_aliases = ("us_east_1",)  # the access-log delivery (CloudWatch vended logs) lives in us-east-1
    # The assets are SSE-KMS encrypted with the customer key; CloudFront (OAC) decrypts them. The key
    # policy limits the service to this account (aws:SourceAccount): it cannot name the distribution,
    # which is created after the kms unit.
    kms_service_principals = ("cloudfront.amazonaws.com",)
    mock_outputs = {
        "distribution_id": "E2MOCKDISTRIBUTION",
        "distribution_arn": "arn:aws:cloudfront::111111111111:distribution/E2MOCKDISTRIBUTION",
        "distribution_domain_name": "d111111abcdef8.cloudfront.net",
        "distribution_hosted_zone_id": "Z2FDTNDATAQYW2",
        "origin_dns_record": {"name": "origin.example.com", "type": "CNAME",
                              "value": "mock-1234567890.eu-west-1.elb.amazonaws.com"},
    }
    # managed policies (ids are the same in every account); the mock provider answers with these
    mock_data = {
        "aws_cloudfront_cache_policy": {"id": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        "aws_cloudfront_origin_request_policy": {"id": "b689b0a8-53d0-40ab-baf2-68738e2966ac"},
    }

    diagram_label = "CloudFront CDN"
    diagram_from = ("users",)

    def aliases(self, env: EnvContext) -> list[str]:
        s: CdnSettings = self.settings(env)
        return list(s.aliases) if s.aliases is not None else [env.manifest.dns.domain]

    def origin_domain(self, env: EnvContext) -> str:
        s: CdnSettings = self.settings(env)
        return s.origin_domain or f"origin.{env.manifest.dns.domain}"

    def standby_origin(self, env: EnvContext) -> EnvContext | None:
        """The standby whose ALB is the second member of the origin group: a primary context's standby
        until it is promoted (promoted, its ALB is the only ALB origin, reached by the origin name)."""
        standby = env.standby_env
        if standby is None or env.promoted or not standby.renders("alb"):
            return None
        return standby

    def standby_origin_domain(self, env: EnvContext) -> str:
        """The name CloudFront reaches the standby's ALB by: the origin name's first label prefixed
        ``standby-``, so one wildcard certificate for the parent domain covers both names."""
        return f"standby-{self.origin_domain(env)}"

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: CdnSettings = self.settings(env)
        summary = {"CDN": f"CloudFront, {s.price_class}", "CDN aliases": ", ".join(self.aliases(env)),
                   "CDN origin for the ALB": self.origin_domain(env)}
        if s.read_only_path_patterns:
            summary["CDN read-only API paths (GET/HEAD/OPTIONS)"] = ", ".join(s.read_only_path_patterns)
        standby = self.standby_origin(env)
        if standby is not None:
            codes = "/".join(str(c) for c in ORIGIN_FAILOVER_STATUS_CODES)
            summary["CDN origin failover"] = (f"read-only paths to the standby ALB in {standby.region} "
                                              f"({self.standby_origin_domain(env)}) on {codes} or a connection error")
        return summary

    def check(self, env: EnvContext) -> list[Problem]:
        s: CdnSettings = self.settings(env)
        problems: list[Problem] = []
        alb = getattr(env.manifest, "alb", None)
        if not s.enabled:
            if getattr(alb, "ingress", None) == "cloudfront":
                problems.append(env.problem(("alb", "ingress"),
                                            "alb.ingress is 'cloudfront' but cdn is disabled: nothing could reach "
                                            "the ALB; set alb.ingress: internet or cdn.enabled: true"))
            return problems
        dns = env.manifest.dns
        if dns.cloudfront_certificate_arn is None:
            problems.append(env.problem(("cdn", "enabled"),
                                        "cdn is enabled but dns.cloudfront_certificate_arn is not set; CloudFront "
                                        "needs an ACM certificate in us-east-1 for its aliases"))
        for alias in self.aliases(env):
            if not _under(alias, dns.domain):
                problems.append(env.problem(("cdn", "aliases"),
                                            f"alias {alias!r} is not {dns.domain} or a name under it (the "
                                            "CloudFront certificate is for dns.domain)"))
        origin = self.origin_domain(env)
        if not _under(origin, dns.domain):
            problems.append(env.problem(("cdn", "origin_domain"),
                                        f"origin_domain {origin!r} is not under {dns.domain}; the ALB certificate "
                                        "(dns.certificate_arn) must cover it"))
        if origin in self.aliases(env):
            problems.append(env.problem(("cdn", "origin_domain"),
                                        f"origin_domain {origin!r} is also a CloudFront alias; it must point at "
                                        "the ALB, not at the distribution"))
        for name, service in enabled_services(env).items():
            for pattern in service.path_patterns:
                if not any(fnmatch.fnmatchcase(pattern, api) for api in s.api_path_patterns):
                    problems.append(env.problem(("services", name, "path_patterns"),
                                                f"service '{name}' path {pattern} is not under any "
                                                f"cdn.api_path_patterns ({', '.join(s.api_path_patterns)}), so "
                                                "CloudFront would look it up in the assets bucket; add a pattern"))
        for index, pattern in enumerate(s.read_only_path_patterns):
            if not any(fnmatch.fnmatchcase(pattern, api) for api in s.api_path_patterns):
                problems.append(env.problem(("cdn", "read_only_path_patterns", index),
                                            f"read-only path {pattern} is not under any cdn.api_path_patterns "
                                            f"({', '.join(s.api_path_patterns)}): only API paths go to the ALB"))
        if env.standby_env is not None and len(origin.split(".")[0]) > 63 - len("standby-"):
            problems.append(env.problem(("cdn", "origin_domain"),
                                        f"the standby's origin name standby-{origin} would have a first label longer "
                                        "than 63 characters; shorten origin_domain's first label"))
        for index, response in enumerate(s.custom_error_responses):
            if any(fnmatch.fnmatchcase(response.response_page_path, api) for api in s.api_path_patterns):
                problems.append(env.problem(("cdn", "custom_error_responses", index, "response_page_path"),
                                            f"{response.response_page_path} is routed to the ALB; error pages must "
                                            "come from the assets bucket"))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: CdnSettings = self.settings(env)
        cf = "aws_cloudfront_distribution.this"
        waf = env.out("waf", "cloudfront_web_acl_arn") if env.enabled("waf") else None
        return [
            expect(f"one({cf}.viewer_certificate).minimum_protocol_version", CLOUDFRONT_MINIMUM_PROTOCOL,
                   f"cdn: viewers must use {CLOUDFRONT_MINIMUM_PROTOCOL} or newer"),
            Assertion(f"one({cf}.viewer_certificate).acm_certificate_arn == "
                      f"{hcl_value(env.manifest.dns.cloudfront_certificate_arn)}",
                      "cdn: the distribution must serve dns.cloudfront_certificate_arn"),
            expect_set(f"{cf}.aliases", self.aliases(env), "cdn: the distribution must answer cdn.aliases"),
            expect(f"{cf}.web_acl_id", waf, "cdn: the distribution must be protected by the WAF's CloudFront web ACL"),
            expect(f"{cf}.price_class", s.price_class, f"cdn: price class must be {s.price_class} (cdn.price_class)"),
            Assertion(f"one(one({cf}.restrictions).geo_restriction).restriction_type == "
                      f"{hcl_value(s.geo_restriction_type)} && sort(one(one({cf}.restrictions).geo_restriction)"
                      f".locations) == sort({hcl_value(sorted(s.geo_restriction_countries))})",
                      "cdn: the geo restriction must be cdn.geo_restriction_type over cdn.geo_restriction_countries"),
            *self._header_assertions(s.security_headers),
            *self._failover_assertions(env, s),
        ]

    def _failover_assertions(self, env: EnvContext, s: CdnSettings) -> list[Assertion]:
        """The origin group: both ALBs, the primary first, on the read-only paths only; without a
        standby (or promoted) none, and the one ALB origin is the ALB this environment serves from."""
        cf = "aws_cloudfront_distribution.this"
        result = [
            expect("var.alb_dns_name", env.out("alb", "alb_dns_name"),
                   "cdn: the origin name must point at the ALB this environment serves from (the standby's once "
                   "promoted)"),
        ]
        standby = self.standby_origin(env)
        if standby is None:
            return result + [expect(f"length({cf}.origin_group)", 0,
                                    "cdn: no origin group without a (not yet promoted) warm standby")]
        group = f"one({cf}.origin_group)"
        origins = f"{{for o in {cf}.origin : o.origin_id => o.domain_name}}"
        read_only = f"[for b in {cf}.ordered_cache_behavior : b.path_pattern if b.target_origin_id == \"alb-failover\"]"
        return result + [
            Assertion(f'[for m in {group}.member : m.origin_id] == ["alb", "alb-standby"] && '
                      f'{origins}["alb"] == {hcl_value(self.origin_domain(env))} && '
                      f'{origins}["alb-standby"] == {hcl_value(self.standby_origin_domain(env))}',
                      "cdn: the origin group must list the primary ALB's origin first and the standby ALB's second"),
            expect("var.standby_alb_dns_name", standby.out("alb", "alb_dns_name"),
                   "cdn: the standby origin name must point at the standby's ALB"),
            expect_set(f"one({group}.failover_criteria).status_codes", list(ORIGIN_FAILOVER_STATUS_CODES),
                       "cdn: the origin group must fail over on 500, 502, 503 and 504"),
            expect_set(read_only, list(s.read_only_path_patterns),
                       "cdn: the read-only paths (cdn.read_only_path_patterns), and only they, must use the origin group"),
            Assertion(f"alltrue([for b in {cf}.ordered_cache_behavior : length(setsubtract(b.allowed_methods, "
                      f'["GET", "HEAD", "OPTIONS"])) == 0 if b.target_origin_id == "alb-failover"])',
                      "cdn: a behaviour on the origin group must allow only GET, HEAD and OPTIONS"),
        ]

    @staticmethod
    def _header_assertions(h: SecurityHeadersSettings) -> list[Assertion]:
        cf = "aws_cloudfront_distribution.this"
        policy = "aws_cloudfront_response_headers_policy.security"
        config = f"one({policy}.security_headers_config)"
        hsts = f"one({config}.strict_transport_security)"
        return [
            Assertion(f"one({cf}.default_cache_behavior).response_headers_policy_id == {policy}.id && "
                      f"alltrue([for b in {cf}.ordered_cache_behavior : b.response_headers_policy_id == {policy}.id])",
                      "cdn: every cache behaviour must send the security headers policy"),
            Assertion(f"{hsts}.access_control_max_age_sec == {h.hsts_max_age_seconds} && "
                      f"{hsts}.include_subdomains == {hcl_value(h.hsts_include_subdomains)} && "
                      f"{hsts}.preload == {hcl_value(h.hsts_preload)} && {hsts}.override == true",
                      "cdn: HSTS must be cdn.security_headers.hsts_* and override the origin"),
            Assertion(f"one({config}.content_type_options).override == true && "
                      f"one({config}.frame_options).frame_option == {hcl_value(h.frame_options)} && "
                      f"one({config}.referrer_policy).referrer_policy == {hcl_value(h.referrer_policy)}",
                      "cdn: nosniff, cdn.security_headers.frame_options and referrer_policy must be sent"),
            Assertion(f"try(one({config}.content_security_policy).content_security_policy, null) == "
                      f"{hcl_value(h.content_security_policy)}",
                      "cdn: the Content-Security-Policy must be cdn.security_headers.content_security_policy"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        s: CdnSettings = self.settings(env)
        domain = env.manifest.dns.domain
        if s.aliases is not None:
            alias_key, example = ("cdn", "aliases"), f"{env.name}.{domain}"
        else:
            alias_key, example = ("dns", "domain"), f"{env.name}.{domain}"
        # CloudFront aliases are unique across every AWS account (CNAMEAlreadyExists)
        names = [NamedResource("global", "CloudFront alias", alias, alias_key, example) for alias in self.aliases(env)]
        names += [NamedResource("account", "CloudFront origin access control", f"{env.prefix}-assets", ()),
                  NamedResource("account-region", "CloudWatch Logs delivery source", f"{env.prefix}-cdn-access", (),
                                region="us-east-1"),
                  NamedResource("account-region", "CloudWatch Logs delivery destination",
                                f"{env.prefix}-cdn-access-s3", (), region="us-east-1")]
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: CdnSettings = self.settings(env)
        m = env.manifest
        # the inputs an environment without read-only paths or a standby does not use stay out
        edge: dict[str, Any] = {}
        if s.read_only_path_patterns:
            edge["read_only_path_patterns"] = list(s.read_only_path_patterns)
        standby = self.standby_origin(env)
        if standby is not None:
            edge.update(standby_alb_origin_domain=self.standby_origin_domain(env),
                        standby_alb_dns_name=standby.out("alb", "alb_dns_name"),
                        origin_failover_status_codes=list(ORIGIN_FAILOVER_STATUS_CODES))
        return {
            "name": env.prefix,
            "comment": f"{m.customer.display_name} ({env.name})"[:128],
            "aliases": self.aliases(env),
            "acm_certificate_arn": m.dns.cloudfront_certificate_arn,
            "price_class": s.price_class,
            "default_root_object": s.default_root_object,
            "assets_bucket_name": env.out("assets", "bucket_name"),
            "assets_bucket_arn": env.out("assets", "bucket_arn"),
            "assets_bucket_regional_domain_name": env.out("assets", "bucket_regional_domain_name"),
            "alb_origin_domain": self.origin_domain(env),
            "alb_dns_name": env.out("alb", "alb_dns_name"),
            "api_path_patterns": list(s.api_path_patterns),
            **edge,
            "web_acl_arn": env.out("waf", "cloudfront_web_acl_arn") if env.enabled("waf") else None,
            "custom_error_responses": [r.model_dump() for r in s.custom_error_responses],
            "geo_restriction_type": s.geo_restriction_type,
            "geo_restriction_locations": list(s.geo_restriction_countries),
            "log_bucket_arn": env.out("log_bucket", "bucket_arn"),
            "log_prefix": CLOUDFRONT_LOG_PREFIX,
            "log_output_format": s.access_log_format,
            "hsts_max_age_seconds": s.security_headers.hsts_max_age_seconds,
            "hsts_include_subdomains": s.security_headers.hsts_include_subdomains,
            "hsts_preload": s.security_headers.hsts_preload,
            "frame_options": s.security_headers.frame_options,
            "referrer_policy": s.security_headers.referrer_policy,
            "content_security_policy": s.security_headers.content_security_policy,
        }


# --- dns records ----------------------------------------------------------------------------------

def _record_key(name: str, rtype: str) -> str:
    return f"{name}-{rtype}"


class DnsRecords(Component):
    """Alias records in the customer's hosted zone, present when ``dns.hosted_zone_id`` is set.

    Without a zone id the customer keeps creating the records by hand (the cdn unit's
    ``origin_dns_record`` and ``standby_origin_dns_record`` outputs say which); with one, fgen owns them.
    With a warm standby the origin name is a PRIMARY/SECONDARY failover pair, each record tied to a
    Route 53 health check of its ALB; promoted, the PRIMARY record is the standby's ALB.
    """

    name = "dns_records"
    standby = "shared"
    module = "dns_records"
    description = ("Route 53 alias records in the customer's hosted zone (dns.hosted_zone_id): the CDN origin "
                   "name to the ALB, the CDN aliases to the distribution; without the CDN, dns.domain to the ALB; "
                   "with a warm standby, failover records with health checks of both ALBs.")
    mock_outputs = {"record_names": {"origin.example.com-A": "origin.example.com"}, "health_check_ids": {}}

    def enabled(self, env: EnvContext) -> bool:
        return env.manifest.dns.hosted_zone_id is not None

    @staticmethod
    def _alb(context: EnvContext) -> dict[str, Any]:
        """An alias of the ALB ``context`` serves from (the standby's: ``standby/alb``)."""
        return {"target_dns_name": context.out("alb", "alb_dns_name"),
                "target_zone_id": context.out("alb", "alb_zone_id"), "evaluate_target_health": True}

    def failover_albs(self, env: EnvContext) -> list[tuple[str, EnvContext]]:
        """The ALBs behind the failover records, PRIMARY first, by health check key: the primary's and the
        standby's; promoted, the standby's alone (the primary region's ALB has left the tree). Empty
        without a standby."""
        standby = env.standby_env
        if standby is None or not standby.renders("alb"):
            return []
        if env.promoted:
            return [("standby-alb", standby)]
        return [("alb", env), ("standby-alb", standby)]

    def health_check_path(self, env: EnvContext) -> str:
        """The path Route 53 requests on each ALB: the health path of the first critical service (else the
        first service), under its first path prefix, since the ALB forwards only the services' paths (e.g.
        /api/auth/* and /health -> /api/auth/health). The service must answer its health path there too."""
        services = enabled_services(env)
        ordered = [s for s in services.values() if s.critical] + [s for s in services.values() if not s.critical]
        for service in ordered:
            for pattern in service.path_patterns:
                prefix = pattern[:-2] if pattern.endswith("/*") else None
                if prefix is not None and not any(c in prefix for c in "*?"):
                    return prefix + service.health_check_path
        return "/"

    def health_checks(self, env: EnvContext) -> dict[str, dict[str, Any]]:
        checks = {}
        path = self.health_check_path(env)
        for key, context in self.failover_albs(env):
            checks[key] = {"name": f"{context.prefix}-alb", "fqdn": context.out("alb", "alb_dns_name"), "resource_path": path,
                           "request_interval": HEALTH_CHECK_INTERVAL, "failure_threshold": HEALTH_CHECK_FAILURES}
        return checks

    def records(self, env: EnvContext) -> dict[str, dict[str, Any]]:
        alb = self._alb(env)
        if not env.enabled("cdn"):
            domain = env.manifest.dns.domain
            return {_record_key(domain, "A"): {"name": domain, "type": "A", **alb}}
        cdn: Cdn = env.components["cdn"]  # type: ignore[assignment]
        origin = cdn.origin_domain(env)
        failover = self.failover_albs(env)
        if not failover:
            records = {_record_key(origin, "A"): {"name": origin, "type": "A", **alb}}
        else:
            # the PRIMARY keeps the single record's key: the switch to failover updates it in place
            records = {}
            for index, (key, context) in enumerate(failover):
                role = ("primary", "secondary")[index]
                records[_record_key(origin, "A") + ("" if index == 0 else f"-{role}")] = {
                    "name": origin, "type": "A", **self._alb(context), "failover": role.upper(),
                    "set_identifier": role, "health_check": key}
        standby = cdn.standby_origin(env)
        if standby is not None:
            name = cdn.standby_origin_domain(env)
            records[_record_key(name, "A")] = {"name": name, "type": "A", **self._alb(standby)}
        # the distribution is dual-stack (is_ipv6_enabled), so each alias gets A and AAAA
        distribution = {"target_dns_name": env.out("cdn", "distribution_domain_name"),
                        "target_zone_id": env.out("cdn", "distribution_hosted_zone_id"),
                        "evaluate_target_health": False}
        for alias in cdn.aliases(env):
            for rtype in ("A", "AAAA"):
                records[_record_key(alias, rtype)] = {"name": alias, "type": rtype, **distribution}
        return records

    def check(self, env: EnvContext) -> list[Problem]:
        if env.standby_env is None or not self.enabled(env) or not env.enabled("alb"):
            return []
        problems = []
        if getattr(getattr(env.manifest, "alb", None), "ingress", None) == "cloudfront":
            problems.append(env.problem(("alb", "ingress"),
                                        "alb.ingress 'cloudfront' lets only CloudFront reach the ALBs, so the Route 53 "
                                        "health checks of the standby's failover records could never reach them: "
                                        "both would stay unhealthy and Route 53 would never fail over; use "
                                        "alb.ingress: internet with a standby and dns.hosted_zone_id"))
        if self.health_check_path(env) == "/":
            problems.append(env.problem(("services",),
                                        "no enabled service has a path pattern ending in /* under which Route 53 "
                                        "could request its health_check_path through the ALB (the failover "
                                        "records' health checks); give a service such a pattern"))
        return problems

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        return {"record_names": {key: r["name"] for key, r in self.records(env).items()},
                "health_check_ids": {key: f"abcdef01-2345-6789-abcd-ef012345678{i}"
                                     for i, key in enumerate(self.health_checks(env))}}

    def summary(self, env: EnvContext) -> dict[str, Any]:
        names = sorted({r["name"] for r in self.records(env).values()})
        summary = {"DNS alias records (Route 53)": f"{env.manifest.dns.hosted_zone_id}: {', '.join(names)}"}
        failover = self.failover_albs(env)
        if failover:
            pair = " / ".join(f"{role} {context.region}" for role, (_, context) in zip(("PRIMARY", "SECONDARY"), failover))
            summary["DNS failover (Route 53 health checks)"] = (f"{pair}, HTTPS {self.health_check_path(env)} every "
                                                                f"{HEALTH_CHECK_INTERVAL} s")
        return summary

    def assertions(self, env: EnvContext) -> list[Assertion]:
        """Failover records pair PRIMARY and SECONDARY with the health checks of their ALBs."""
        failover = self.failover_albs(env)
        records = "aws_route53_record.this"
        checks = "aws_route53_health_check.this"
        if not failover:
            return [expect(f"length({checks})", 0, "dns_records: health checks only with a warm standby"),
                    Assertion(f"alltrue([for r in {records} : length(r.failover_routing_policy) == 0])",
                              "dns_records: failover records only with a warm standby")]
        result = []
        failover_records = [(key, r) for key, r in self.records(env).items() if "failover" in r]
        for (key, record), (check, context) in zip(failover_records, failover):
            ref = context.out
            r, c = f"{records}[{hcl_value(key)}]", f"{checks}[{hcl_value(check)}]"
            result += [
                Assertion(f"one({r}.failover_routing_policy).type == {hcl_value(record['failover'])} && "
                          f"{r}.health_check_id == {c}.id && one({r}.alias).name == "
                          f"{hcl_value(ref('alb', 'alb_dns_name'))} && one({r}.alias).evaluate_target_health == true",
                          f"dns_records: {record['name']} {record['failover']} must alias the {context.region} ALB "
                          "with its health check"),
                Assertion(f'{c}.type == "HTTPS" && {c}.port == 443 && {c}.fqdn == {hcl_value(ref("alb", "alb_dns_name"))} '
                          f"&& {c}.resource_path == {hcl_value(self.health_check_path(env))}",
                          f"dns_records: the {context.region} ALB must be health checked over HTTPS on its own name"),
            ]
        roles = [r["failover"] for _, r in failover_records]
        result.append(expect_set(f"[for r in {records} : one(r.failover_routing_policy).type if "
                                 "length(r.failover_routing_policy) > 0]", roles,
                                 "dns_records: the origin name's failover records must be " + " and ".join(roles)))
        return result

    def names(self, env: EnvContext) -> list[NamedResource]:
        # a record name, type and set identifier exist once per hosted zone (zone ids are unique worldwide);
        # health checks have no name AWS keeps unique
        zone = env.manifest.dns.hosted_zone_id
        cdn = env.manifest.cdn
        names = []
        for record in self.records(env).values():
            key: tuple[str, ...] = ("dns", "domain")
            if env.enabled("cdn") and record["name"] != env.manifest.dns.domain:
                is_alias = record["name"] in env.components["cdn"].aliases(env)  # type: ignore[attr-defined]
                if is_alias and cdn.aliases is not None:
                    key = ("cdn", "aliases")
                elif not is_alias and cdn.origin_domain is not None:
                    key = ("cdn", "origin_domain")
            identifier = f" ({record['set_identifier']})" if "set_identifier" in record else ""
            names.append(NamedResource("global", "Route 53 record",
                                       f"{record['name']} {record['type']}{identifier} in zone {zone}",
                                       key, f"{env.name}.{env.manifest.dns.domain}"))
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        inputs = {"zone_id": env.manifest.dns.hosted_zone_id, "records": self.records(env)}
        checks = self.health_checks(env)
        if checks:
            inputs["health_checks"] = checks
        return inputs


# --- waf ----------------------------------------------------------------------------------------

LoginPath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9_./-]{0,199}$")]


class WafSettings(StrictModel):
    enabled: bool = Field(description="Protect the ALB (and the CDN when enabled) with AWS WAF web ACLs.")
    rate_limit: int = Field(ge=100, le=2_000_000_000,
                            description="Requests one client IP may send per window before it gets 429s "
                                        "(players behind carrier NAT share IPs: keep it generous).")
    login_rate_limit: int = Field(ge=100, le=2_000_000_000,
                                  description="The stricter per-IP limit for login_paths, per window.")
    rate_limit_window_sec: Literal[60, 120, 300, 600] = Field(
        description="Evaluation window of both rate rules, in seconds.")
    login_paths: list[LoginPath] = Field(
        default_factory=lambda: ["/api/auth/login"], min_length=1, max_length=5,
        description="URI path prefixes of the login endpoints (matched case-insensitively).")
    anonymous_ip_list: bool = Field(
        description="Add AWSManagedRulesAnonymousIpList: blocks VPNs, Tor exits and hosting providers.")
    blocked_countries: list[CountryCode] = Field(
        default_factory=list, max_length=250,
        description="ISO 3166-1 alpha-2 codes of countries whose requests are blocked; empty for none.")

    @model_validator(mode="after")
    def _login_stricter(self) -> "WafSettings":
        if self.login_rate_limit > self.rate_limit:
            raise ValueError(f"login_rate_limit ({self.login_rate_limit}) must not be above rate_limit "
                             f"({self.rate_limit}): the login rule is the stricter one")
        if len(set(self.blocked_countries)) != len(self.blocked_countries):
            raise ValueError("blocked_countries lists a country more than once")
        return self


class Waf(Component):
    name = "waf"
    standby = "regional"
    module = "waf"
    description = ("AWS WAF: a CLOUDFRONT web ACL (us-east-1) for the CDN and a REGIONAL one on the ALB; managed "
                   "rule groups, per-IP and login rate limits, optional geo blocking, encrypted logs.")
    Settings = WafSettings
    provider_aliases = ("us_east_1",)  # the CLOUDFRONT web ACL, its log group and key live in us-east-1
    mock_outputs = {
        "cloudfront_web_acl_arn": "arn:aws:wafv2:us-east-1:111111111111:global/webacl/mock-cloudfront/"
                                  "00000000-0000-0000-0000-000000000000",
        "regional_web_acl_arn": "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/mock-regional/"
                                "00000000-0000-0000-0000-000000000000",
        "cloudfront_log_group_name": "aws-waf-logs-mock-cloudfront",
        "regional_log_group_name": "aws-waf-logs-mock-regional",
    }

    @staticmethod
    def cloudfront_acl(env: EnvContext) -> bool:
        """Whether this context's waf unit owns the CLOUDFRONT web ACL: with a CDN, in the primary; a
        standby's only once promoted (until then it protects its own ALB, REGIONAL, and the
        distribution keeps the primary's ACL)."""
        return env.enabled("cdn") and not env.standing_by

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: WafSettings = self.settings(env)
        scopes = "CloudFront + ALB" if self.cloudfront_acl(env) else "ALB"
        return {"WAF": scopes,
                "WAF rate limit per IP (all / login)": f"{s.rate_limit} / {s.login_rate_limit} "
                                                       f"per {s.rate_limit_window_sec} s",
                "WAF geo blocking": ", ".join(s.blocked_countries) or "none"}

    def log_group_names(self, env: EnvContext) -> list[str]:
        scopes = ["regional"] + (["cloudfront"] if self.cloudfront_acl(env) else [])
        return [f"aws-waf-logs-{env.prefix}-{scope}" for scope in scopes]

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: WafSettings = self.settings(env)
        # the ACLs live in the module's modules/acl calls; their web_acl outputs carry the planned rules
        cloudfront = self.cloudfront_acl(env)
        acls = ["module.regional.web_acl"] + (["module.cloudfront[0].web_acl"] if cloudfront else [])

        def limit(acl: str, rule: str) -> str:
            return (f"one([for r in {acl}.rule : one(one(r.statement).rate_based_statement).limit "
                    f"if r.name == {hcl_value(rule)}])")

        result = []
        for acl in acls:
            result += [
                Assertion(f"{limit(acl, 'rate-limit-per-ip')} == {s.rate_limit}",
                          f"waf: {acl} must limit each client IP to {s.rate_limit} requests (waf.rate_limit)"),
                Assertion(f"{limit(acl, 'rate-limit-login')} == {s.login_rate_limit}",
                          f"waf: {acl} must limit logins to {s.login_rate_limit} requests per IP "
                          "(waf.login_rate_limit)"),
            ]
        retention = env.manifest.logging.retention_days
        result += [
            expect("length(module.cloudfront)", 1 if cloudfront else 0,
                   "waf: a CloudFront web ACL exactly when the CDN is enabled (in a standby: once promoted)"),
            Assertion(f'module.regional.web_acl.scope == "REGIONAL" && aws_wafv2_web_acl_association.alb.resource_arn '
                      f'== {hcl_value(env.out("alb", "alb_arn"))} && aws_wafv2_web_acl_association.alb.web_acl_arn == '
                      "module.regional.web_acl_arn",
                      f"waf: the REGIONAL web ACL must be associated with the ALB in {env.region}"),
            log_groups("waf", "[module.regional.log_group]", retention, env.out("kms", "key_arn")),
            log_groups("waf", "module.cloudfront[*].log_group", retention, None),
        ]
        return result


    def names(self, env: EnvContext) -> list[NamedResource]:
        regional, cloudfront = f"{env.prefix}-regional", f"{env.prefix}-cloudfront"
        names = [NamedResource("account-region", "WAF web ACL (regional)", regional, ()),
                 NamedResource("account-region", "CloudWatch log group", f"aws-waf-logs-{regional}", ()),
                 NamedResource("account-region", "CloudWatch Logs resource policy", f"{regional}-waf-logs", ())]
        if self.cloudfront_acl(env):  # the CLOUDFRONT scope lives in us-east-1
            us = "us-east-1"
            names += [NamedResource("account-region", "WAF web ACL (CloudFront)", cloudfront, (), region=us),
                      NamedResource("account-region", "CloudWatch log group", f"aws-waf-logs-{cloudfront}", (),
                                    region=us),
                      NamedResource("account-region", "CloudWatch Logs resource policy", f"{cloudfront}-waf-logs", (),
                                    region=us)]
            if env.region != us:
                names.append(NamedResource("account-region", "KMS alias", f"alias/{cloudfront}-waf-logs", (),
                                           region=us))
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: WafSettings = self.settings(env)
        cdn = self.cloudfront_acl(env)
        return {
            "name": env.prefix,
            "create_cloudfront_acl": cdn,
            "alb_arn": env.out("alb", "alb_arn"),
            "kms_key_arn": env.out("kms", "key_arn"),
            # the CLOUDFRONT log group lives in us-east-1: the customer key only serves there when the
            # environment is in us-east-1, otherwise the module creates a key in us-east-1
            "cloudfront_log_kms_key_arn": env.out("kms", "key_arn") if cdn and env.region == "us-east-1" else None,
            # known at plan time (the key's ARN is another unit's output): whether that key is the customer's
            **({"cloudfront_log_customer_key": True} if cdn and env.region == "us-east-1" else {}),
            "kms_deletion_window_in_days": env.manifest.kms.deletion_window_days,
            "log_retention_days": env.manifest.logging.retention_days,
            "rate_limit": s.rate_limit,
            "login_rate_limit": s.login_rate_limit,
            "rate_limit_window_sec": s.rate_limit_window_sec,
            "login_paths": list(s.login_paths),
            "anonymous_ip_list": s.anonymous_ip_list,
            "blocked_countries": list(s.blocked_countries),
        }
