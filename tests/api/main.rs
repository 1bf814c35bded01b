mod cli;
mod errors;
mod helpers;
mod kv;
mod openapi;
mod ops;
mod seed;
