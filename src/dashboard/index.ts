export { QueueDashboardModule, JOBLINE_DASHBOARD_OPTIONS } from './queue-dashboard.module.js';
export { QueueDashboard, type DashboardAnswer, type DashboardRequest } from './queue-dashboard.js';
export { dashboardServeMount } from './serve-mount.js';
export {
  dashboardSettings,
  type DashboardGuard,
  type DashboardGuardFunction,
  type DashboardSettings,
  type QueueDashboardModuleOptions,
  type QueueDashboardModuleAsyncOptions,
  type QueueDashboardModuleOptionsFactory,
} from './dashboard-options.js';
