//! The rules. One file per rule; registering one is one line in [`ALL`].

mod alias_traversal;
mod allow_without_deny;
mod autoindex_enabled;
mod backend_port_typo;
mod block_directive_without_block;
mod bypassable_origin_check;
mod capture_after_query_rewrite;
mod conflicting_server_name;
mod conflicting_timeouts;
mod cors_reflected_origin_with_credentials;
mod deprecated_directive;
mod directive_not_allowed;
mod duplicate_directive;
mod duplicate_geo_network;
mod duplicate_listen;
mod duplicate_location;
mod duplicate_log_format;
mod duplicate_map_key;
mod duplicate_script_filename;
mod duplicate_upstream;
mod error_log_off;
mod excessive_connect_timeout;
mod fastcgi_keepalive_without_keep_conn;
mod fastcgi_missing_script_filename;
mod header_inheritance_loss;
mod host_header_spoofing;
mod http_response_splitting;
mod include_cycle;
mod include_not_found;
mod include_outside_root;
mod include_unreadable;
mod incomplete_mail_server;
mod inconsistent_buffer_sizes;
mod invalid_access_address;
mod invalid_argument_count;
mod invalid_directive_parameter;
mod invalid_directive_value;
mod invalid_error_page;
mod invalid_flag_value;
mod invalid_if_condition;
mod invalid_listen;
mod invalid_location_modifier;
mod invalid_map_entry;
mod invalid_nested_location;
mod invalid_pass_address;
mod invalid_regex;
mod invalid_return_code;
mod invalid_set_variable;
mod invalid_shared_zone;
mod invalid_suppression;
mod invalid_upstream_server;
mod keepalive_not_used;
mod keepalive_to_literal_host;
mod long_lived_default_timeout;
mod map_without_default_for_access;
mod missing_default_server;
mod missing_events_block;
mod missing_ssl_certificate;
mod multiline_header_value;
mod numbered_capture_overwritten;
mod pass_protocol_mismatch;
mod pass_scheme_port_mismatch;
mod php_location_without_guard;
mod proxy_buffering_off;
mod proxy_loop;
mod proxy_pass_uri_not_allowed;
mod public_dns_resolver;
mod return_before_access_control;
mod root_and_alias;
mod root_at_filesystem_root;
mod script_filename_root_mismatch;
mod server_tokens_on;
mod shadowed_php_location;
mod simple_directive_with_block;
mod small_client_header_buffers;
mod split_path_info_captures;
mod ssl_prefer_server_ciphers_off;
mod ssrf_in_pass;
mod stub_status_without_access_control;
mod syntax_error;
mod try_files_with_proxy_pass;
mod undeclared_backend;
mod undefined_capture;
mod undersized_upstream_buffer;
mod unknown_directive;
mod unknown_log_format;
mod unknown_variable;
mod unsafe_directive_in_if;
mod unsupported_directive;
pub(crate) mod unused_suppression;
mod upgrade_header_smuggling;
mod upstream_keepalive_defeated;
mod upstream_with_port;
mod upstream_without_keepalive;
mod upstream_without_servers;
mod valid_referers_none;
mod weak_ssl_ciphers;
mod weak_ssl_protocols;
mod worker_connections_too_few;

use crate::lint::Rule;

/// Every rule, in documentation order.
pub static ALL: &[&dyn Rule] = &[
    &syntax_error::SyntaxError,
    &directive_not_allowed::DirectiveNotAllowed,
    &block_directive_without_block::BlockDirectiveWithoutBlock,
    &simple_directive_with_block::SimpleDirectiveWithBlock,
    &invalid_argument_count::InvalidArgumentCount,
    &unknown_directive::UnknownDirective,
    &unknown_variable::UnknownVariable,
    &invalid_flag_value::InvalidFlagValue,
    &invalid_directive_value::InvalidDirectiveValue,
    &invalid_directive_parameter::InvalidDirectiveParameter,
    &invalid_map_entry::InvalidMapEntry,
    &worker_connections_too_few::WorkerConnectionsTooFew,
    &invalid_location_modifier::InvalidLocationModifier,
    &invalid_nested_location::InvalidNestedLocation,
    &invalid_regex::InvalidRegex,
    &invalid_if_condition::InvalidIfCondition,
    &invalid_return_code::InvalidReturnCode,
    &proxy_pass_uri_not_allowed::ProxyPassUriNotAllowed,
    &invalid_pass_address::InvalidPassAddress,
    &invalid_error_page::InvalidErrorPage,
    &invalid_set_variable::InvalidSetVariable,
    &invalid_access_address::InvalidAccessAddress,
    &root_and_alias::RootAndAlias,
    &duplicate_directive::DuplicateDirective,
    &duplicate_location::DuplicateLocation,
    &duplicate_upstream::DuplicateUpstream,
    &duplicate_log_format::DuplicateLogFormat,
    &unknown_log_format::UnknownLogFormat,
    &upstream_without_servers::UpstreamWithoutServers,
    &missing_ssl_certificate::MissingSslCertificate,
    &incomplete_mail_server::IncompleteMailServer,
    &missing_events_block::MissingEventsBlock,
    &invalid_upstream_server::InvalidUpstreamServer,
    &invalid_listen::InvalidListen,
    &duplicate_listen::DuplicateListen,
    &duplicate_map_key::DuplicateMapKey,
    &duplicate_geo_network::DuplicateGeoNetwork,
    &conflicting_server_name::ConflictingServerName,
    &inconsistent_buffer_sizes::InconsistentBufferSizes,
    &invalid_shared_zone::InvalidSharedZone,
    &unsupported_directive::UnsupportedDirective,
    &deprecated_directive::DeprecatedDirective,
    &upstream_with_port::UpstreamWithPort,
    &pass_scheme_port_mismatch::PassSchemePortMismatch,
    &pass_protocol_mismatch::PassProtocolMismatch,
    &proxy_loop::ProxyLoop,
    &backend_port_typo::BackendPortTypo,
    &undeclared_backend::UndeclaredBackend,
    &long_lived_default_timeout::LongLivedDefaultTimeout,
    &excessive_connect_timeout::ExcessiveConnectTimeout,
    &conflicting_timeouts::ConflictingTimeouts,
    &undersized_upstream_buffer::UndersizedUpstreamBuffer,
    &small_client_header_buffers::SmallClientHeaderBuffers,
    &upstream_without_keepalive::UpstreamWithoutKeepalive,
    &keepalive_not_used::KeepaliveNotUsed,
    &fastcgi_keepalive_without_keep_conn::FastcgiKeepaliveWithoutKeepConn,
    &upstream_keepalive_defeated::UpstreamKeepaliveDefeated,
    &keepalive_to_literal_host::KeepaliveToLiteralHost,
    &fastcgi_missing_script_filename::FastcgiMissingScriptFilename,
    &php_location_without_guard::PhpLocationWithoutGuard,
    &split_path_info_captures::SplitPathInfoCaptures,
    &duplicate_script_filename::DuplicateScriptFilename,
    &script_filename_root_mismatch::ScriptFilenameRootMismatch,
    &shadowed_php_location::ShadowedPhpLocation,
    &alias_traversal::AliasTraversal,
    &header_inheritance_loss::HeaderInheritanceLoss,
    &ssrf_in_pass::SsrfInPass,
    &host_header_spoofing::HostHeaderSpoofing,
    &http_response_splitting::HttpResponseSplitting,
    &bypassable_origin_check::BypassableOriginCheck,
    &valid_referers_none::ValidReferersNone,
    &cors_reflected_origin_with_credentials::CorsReflectedOriginWithCredentials,
    &weak_ssl_protocols::WeakSslProtocols,
    &weak_ssl_ciphers::WeakSslCiphers,
    &ssl_prefer_server_ciphers_off::SslPreferServerCiphersOff,
    &proxy_buffering_off::ProxyBufferingOff,
    &server_tokens_on::ServerTokensOn,
    &autoindex_enabled::AutoindexEnabled,
    &root_at_filesystem_root::RootAtFilesystemRoot,
    &error_log_off::ErrorLogOff,
    &public_dns_resolver::PublicDnsResolver,
    &allow_without_deny::AllowWithoutDeny,
    &return_before_access_control::ReturnBeforeAccessControl,
    &stub_status_without_access_control::StubStatusWithoutAccessControl,
    &try_files_with_proxy_pass::TryFilesWithProxyPass,
    &unsafe_directive_in_if::UnsafeDirectiveInIf,
    &map_without_default_for_access::MapWithoutDefaultForAccess,
    &missing_default_server::MissingDefaultServer,
    &upgrade_header_smuggling::UpgradeHeaderSmuggling,
    &numbered_capture_overwritten::NumberedCaptureOverwritten,
    &capture_after_query_rewrite::CaptureAfterQueryRewrite,
    &undefined_capture::UndefinedCapture,
    &multiline_header_value::MultilineHeaderValue,
    &include_not_found::IncludeNotFound,
    &include_unreadable::IncludeUnreadable,
    &include_cycle::IncludeCycle,
    &invalid_suppression::InvalidSuppression,
    &unused_suppression::UnusedSuppression,
    &include_outside_root::IncludeOutsideRoot,
];

/// Looks a rule up by name.
pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().name == name)
}
