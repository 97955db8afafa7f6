export * from './collector.ts';
export * from './dashboard/dashboard-server.ts';
export * from './launcher.ts';
export * from './local-runner.ts';
export * from './report/render-report.ts';
export * from './report/report-data.ts';
export * from './run-display.ts';
