//! Dojang `registry-anchor`: placeholder until its issue lands.
