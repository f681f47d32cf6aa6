//! Dojang `bindings`: placeholder until its issue lands.
