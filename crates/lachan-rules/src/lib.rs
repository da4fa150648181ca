//! Domain rule lists for Lachan: hosts files, plain domains and AdGuard DNS syntax, compiled into a compact matcher.
