//! Dojang `vc-issuer`: placeholder until its issue lands.
