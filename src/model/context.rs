//! The block contexts nginx knows, and sets of them.

use serde::Serialize;

/// A configuration context: where a directive stands, or what a block opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Context {
    Main = 0,
    Events,
    Http,
    Server,
    Location,
    IfInServer,
    IfInLocation,
    LimitExcept,
    Upstream,
    Stream,
    StreamServer,
    StreamUpstream,
    Mail,
    MailServer,
    Rtmp,
    RtmpServer,
    RtmpApplication,
    RtmpRecorder,
    // Handler blocks: their statements are key/value lines, not directives.
    Types,
    Map,
    Geo,
    SplitClients,
    CharsetMap,
    Geoip2,
    StreamMap,
    StreamGeo,
    StreamSplitClients,
    StreamGeoip2,
    /// Raw Lua code of a `*_by_lua_block`.
    Lua,
    /// A block whose directive nginx does not know: its body is never read.
    Unknown,
}

impl Context {
    /// Every context, in declaration order.
    pub const ALL: [Context; 30] = [
        Context::Main,
        Context::Events,
        Context::Http,
        Context::Server,
        Context::Location,
        Context::IfInServer,
        Context::IfInLocation,
        Context::LimitExcept,
        Context::Upstream,
        Context::Stream,
        Context::StreamServer,
        Context::StreamUpstream,
        Context::Mail,
        Context::MailServer,
        Context::Rtmp,
        Context::RtmpServer,
        Context::RtmpApplication,
        Context::RtmpRecorder,
        Context::Types,
        Context::Map,
        Context::Geo,
        Context::SplitClients,
        Context::CharsetMap,
        Context::Geoip2,
        Context::StreamMap,
        Context::StreamGeo,
        Context::StreamSplitClients,
        Context::StreamGeoip2,
        Context::Lua,
        Context::Unknown,
    ];

    /// The name used in `directives.tsv`-style tables and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Context::Main => "main",
            Context::Events => "events",
            Context::Http => "http",
            Context::Server => "server",
            Context::Location => "location",
            Context::IfInServer => "if_in_server",
            Context::IfInLocation => "if_in_location",
            Context::LimitExcept => "limit_except",
            Context::Upstream => "upstream",
            Context::Stream => "stream",
            Context::StreamServer => "stream_server",
            Context::StreamUpstream => "stream_upstream",
            Context::Mail => "mail",
            Context::MailServer => "mail_server",
            Context::Rtmp => "rtmp",
            Context::RtmpServer => "rtmp_server",
            Context::RtmpApplication => "rtmp_application",
            Context::RtmpRecorder => "rtmp_recorder",
            Context::Types => "types",
            Context::Map => "map",
            Context::Geo => "geo",
            Context::SplitClients => "split_clients",
            Context::CharsetMap => "charset_map",
            Context::Geoip2 => "geoip2",
            Context::StreamMap => "stream_map",
            Context::StreamGeo => "stream_geo",
            Context::StreamSplitClients => "stream_split_clients",
            Context::StreamGeoip2 => "stream_geoip2",
            Context::Lua => "lua",
            Context::Unknown => "unknown",
        }
    }

    /// Parses a context name as written by [`Context::name`].
    pub fn from_name(s: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == s)
    }

    /// How the context reads in a message ("the http block", "an if block in a location").
    pub fn describe(self) -> &'static str {
        match self {
            Context::Main => "the main (top) level",
            Context::Events => "an events block",
            Context::Http => "the http block",
            Context::Server => "a server block",
            Context::Location => "a location block",
            Context::IfInServer => "an if block at server level",
            Context::IfInLocation => "an if block in a location",
            Context::LimitExcept => "a limit_except block",
            Context::Upstream => "an upstream block",
            Context::Stream => "the stream block",
            Context::StreamServer => "a stream server block",
            Context::StreamUpstream => "a stream upstream block",
            Context::Mail => "the mail block",
            Context::MailServer => "a mail server block",
            Context::Rtmp => "the rtmp block",
            Context::RtmpServer => "an rtmp server block",
            Context::RtmpApplication => "an rtmp application block",
            Context::RtmpRecorder => "an rtmp recorder block",
            Context::Types => "a types block",
            Context::Map => "a map block",
            Context::Geo => "a geo block",
            Context::SplitClients => "a split_clients block",
            Context::CharsetMap => "a charset_map block",
            Context::Geoip2 => "a geoip2 block",
            Context::StreamMap => "a stream map block",
            Context::StreamGeo => "a stream geo block",
            Context::StreamSplitClients => "a stream split_clients block",
            Context::StreamGeoip2 => "a stream geoip2 block",
            Context::Lua => "a Lua code block",
            Context::Unknown => "an unknown block",
        }
    }

    /// Handler blocks hold key/value lines that nginx hands to the block's own
    /// parser instead of dispatching them as directives.
    pub fn is_handler_block(self) -> bool {
        matches!(
            self,
            Context::Types
                | Context::Map
                | Context::Geo
                | Context::SplitClients
                | Context::CharsetMap
                | Context::Geoip2
                | Context::StreamMap
                | Context::StreamGeo
                | Context::StreamSplitClients
                | Context::StreamGeoip2
        )
    }

    /// Handler blocks whose own parser accepts `include FILE;`.
    pub fn handler_accepts_include(self) -> bool {
        matches!(self, Context::Types | Context::Map | Context::Geo | Context::StreamMap | Context::StreamGeo)
    }
}

/// A set of contexts (a bit set over [`Context`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ContextSet(pub u32);

impl ContextSet {
    pub const EMPTY: ContextSet = ContextSet(0);

    pub const fn of(c: Context) -> ContextSet {
        ContextSet(1 << c as u32)
    }
    pub const fn with(self, c: Context) -> ContextSet {
        ContextSet(self.0 | 1 << c as u32)
    }
    pub const fn contains(self, c: Context) -> bool {
        self.0 & (1 << c as u32) != 0
    }
    pub const fn union(self, o: ContextSet) -> ContextSet {
        ContextSet(self.0 | o.0)
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The contexts in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Context> {
        Context::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Context> for ContextSet {
    fn from_iter<I: IntoIterator<Item = Context>>(iter: I) -> Self {
        iter.into_iter().fold(ContextSet::EMPTY, ContextSet::with)
    }
}
