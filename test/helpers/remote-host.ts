// One implementation for the tests and `npm run bench` (scripts/bench-remote.mjs): see that file.
export { type RemoteHost, startRemoteHost } from "../../scripts/remote-host.mjs";
