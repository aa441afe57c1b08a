-- about: GENERIC secrets; unscoped secrets tie at score 0 (smallest name wins, temporary beats persistent); an explicit scope beats them
-- mode: coffer-only
-- coffer-only because GENERIC is coffer's own type and OPENAI FlockMTL's: DuckDB 1.5.5 has neither
-- probe: "anything at all" generic
-- probe: https://api.openai.com/v1 openai
CREATE PERSISTENT SECRET aaa (TYPE generic, VALUE 'v1');
-- => secrets:
-- | ["aaa", "generic", "config", true, "coffer", [], "name=aaa;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- => which: [["aaa", "PERSISTENT", "coffer"], null]
CREATE SECRET zzz (TYPE generic, VALUE 'v2');
-- => secrets:
-- | ["aaa", "generic", "config", true, "coffer", [], "name=aaa;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["zzz", "generic", "config", false, "memory", [], "name=zzz;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- => which: [["zzz", "TEMPORARY", "memory"], null]
CREATE SECRET mmm (TYPE generic, VALUE 'v3');
-- => secrets:
-- | ["aaa", "generic", "config", true, "coffer", [], "name=aaa;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["zzz", "generic", "config", false, "memory", [], "name=zzz;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["mmm", "generic", "config", false, "memory", [], "name=mmm;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- => which: [["mmm", "TEMPORARY", "memory"], null]
CREATE SECRET o_scoped (TYPE openai, API_KEY 'k', SCOPE 'https://api.openai.com');
-- => secrets:
-- | ["aaa", "generic", "config", true, "coffer", [], "name=aaa;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["zzz", "generic", "config", false, "memory", [], "name=zzz;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["mmm", "generic", "config", false, "memory", [], "name=mmm;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["o_scoped", "openai", "config", false, "memory", ["https://api.openai.com"], "name=o_scoped;type=openai;provider=config;serializable=true;scope=https://api.openai.com;api_key=redacted"]
-- => which: [["mmm", "TEMPORARY", "memory"], ["o_scoped", "TEMPORARY", "memory"]]
CREATE SECRET o_any (TYPE openai, API_KEY 'k');
-- => secrets:
-- | ["aaa", "generic", "config", true, "coffer", [], "name=aaa;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["zzz", "generic", "config", false, "memory", [], "name=zzz;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["mmm", "generic", "config", false, "memory", [], "name=mmm;type=generic;provider=config;serializable=true;scope;value=redacted"]
-- | ["o_scoped", "openai", "config", false, "memory", ["https://api.openai.com"], "name=o_scoped;type=openai;provider=config;serializable=true;scope=https://api.openai.com;api_key=redacted"]
-- | ["o_any", "openai", "config", false, "memory", [], "name=o_any;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["mmm", "TEMPORARY", "memory"], ["o_scoped", "TEMPORARY", "memory"]]
CREATE SECRET g (TYPE generic);
-- => error: (?i)value
