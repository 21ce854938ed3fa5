import { ServiceEntry } from "../service";
import { analyticsService } from "./analytics";
import { authService } from "./auth";
import { emailService } from "./email";
import { inventoryService } from "./inventory";
import { notificationService } from "./notification";
import { orderService } from "./order";
import { paymentService } from "./payment";
import { userService } from "./user";

/** The eight services, in the spec's order (the order of its service registry). */
export const SERVICES: readonly ServiceEntry[] = [
  userService,
  orderService,
  paymentService,
  inventoryService,
  notificationService,
  analyticsService,
  authService,
  emailService,
];
