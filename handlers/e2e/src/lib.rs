//! End-to-end tests of the handlers together against moto_server live in `tests/`.
