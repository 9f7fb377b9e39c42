// fengari ships no types; the tests use a handful of its Lua C-API mirrors.
declare module 'fengari';
