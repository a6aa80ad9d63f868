export {generateDemoHost, demoIocs, demoStory, DEFAULT_DEMO_SEED, type DemoHostResult, type DemoFile, type DemoLogSummary} from './generate.js'
export * as demoScenario from './scenario.js'
export {generateDemoServer, demoServerIocs, type DemoServerResult} from './server.js'
export * as demoServerScenario from './server-scenario.js'
