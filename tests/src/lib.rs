//! Dojang `tests`: placeholder until its issue lands.
