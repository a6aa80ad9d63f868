/**
 * The ScreenConnect server's Session.db tables as ratchet's demo server and test images build them. The
 * schema is not published by ConnectWise: it is reconstructed from the columns public queries use
 * (ARTEFACTS.md §3), so the parsers read columns by name and tolerate missing ones.
 */
export const SESSION_DB_SCHEMA = `
CREATE TABLE Session (SessionID BLOB PRIMARY KEY, Name TEXT, SessionType INTEGER, Host TEXT, IsPublic INTEGER, Code TEXT,
  CustomProperty1 TEXT, CustomProperty2 TEXT, CustomProperty3 TEXT, CustomProperty4 TEXT, CustomProperty5 TEXT, CustomProperty6 TEXT, CustomProperty7 TEXT, CustomProperty8 TEXT,
  GuestMachineName TEXT, GuestMachineDomain TEXT, GuestLoggedOnUserName TEXT, GuestLoggedOnUserDomain TEXT, GuestOperatingSystemName TEXT, GuestLastActivityTime INTEGER, IsEnded INTEGER);
CREATE TABLE SessionConnection (SessionID BLOB, ConnectionID BLOB PRIMARY KEY, ProcessType INTEGER, ParticipantName TEXT, NetworkAddress TEXT);
CREATE TABLE SessionEvent (SessionID BLOB, EventID BLOB PRIMARY KEY, EventType INTEGER, Host TEXT, Data TEXT, Time INTEGER, EventAttributes INTEGER, ConnectionID BLOB);
CREATE TABLE SessionConnectionEvent (SessionID BLOB, ConnectionID BLOB, EventID BLOB PRIMARY KEY, EventType INTEGER, Time INTEGER, Data TEXT, EventAttributes INTEGER);
`
