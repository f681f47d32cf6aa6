//! Dojang `examples`: placeholder until its issue lands.
