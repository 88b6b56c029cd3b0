## Comandos de administración (chat privado con el bot)

admin-cmd-admin = Lista de comandos de administración
admin-cmd-stats = Estadísticas: /stats today, 7d o 30d
admin-cmd-agents = Lista de agentes de soporte y administradores
admin-cmd-agent_add = Añadir un agente: /agent_add id_de_usuario [admin], o responder a un mensaje reenviado
admin-cmd-agent_remove = Quitar un agente o administrador: /agent_remove id_de_usuario, o responder a un mensaje reenviado
admin-cmd-ban = Bloquear a un usuario: /ban id_de_usuario [motivo], o responder a un mensaje reenviado
admin-cmd-unban = Levantar un bloqueo: /unban id_de_usuario, o responder a un mensaje reenviado
admin-cmd-broadcast = Enviar un mensaje a los ciudadanos (con vista previa y confirmación)
admin-cmd-export = Exportar las solicitudes en CSV (solo números de identidad enmascarados)
admin-cmd-threshold = Ver o cambiar los umbrales de comparación facial: /threshold aprobación revisión
admin-cmd-purge = Aplicar ahora la conservación de datos
admin-cmd-audit = El registro de auditoría: /audit [n], las últimas n líneas (hasta 100)
admin-cmd-close = Terminar esta conversación
admin-cmd-note = Añadir una nota interna: /note texto
admin-cmd-approve = Aprobar la revisión pendiente del ciudadano
admin-cmd-reject = Rechazar la revisión pendiente del ciudadano: /reject motivo

admin-help-title = <b>Comandos de administración</b>
admin-help-line = /{ $command } — { $text }

admin-period-today = hoy
admin-period-7d = los últimos 7 días
admin-period-30d = los últimos 30 días
admin-stats-usage = Uso: /stats today, /stats 7d o /stats 30d.
admin-stats-title = 📊 <b>Estadísticas</b> de { $period } (desde { $since }, UTC)
admin-stats-total = Solicitudes: { $count }
admin-stats-state = • { $state }: { $count }
admin-stats-rate = Tasa de aprobación: { $rate } ({ $approved } de { $decided } decididas)
admin-stats-rate-none = Tasa de aprobación: todavía no hay decisiones
admin-stats-median = Mediana del tiempo entre el vídeo y la decisión: { $duration }
admin-stats-median-none = Mediana del tiempo entre el vídeo y la decisión: -
admin-stats-reasons = Motivos de fallo:
admin-stats-reason = { $rank }. { $reason }: { $count }
admin-stats-reasons-none = Motivos de fallo: ninguno
admin-stats-queues = Tickets abiertos: { $tickets } · revisiones pendientes: { $reviews }
admin-chart-title = Solicitudes, { $period }
admin-chart-states = Por estado
admin-chart-reasons = Motivos de fallo
admin-chart-none = Sin fallos

admin-role-agent = agente
admin-role-admin = administrador
admin-agents-title = 👥 <b>Personal</b>
admin-agents-config = • <code>{ $id }</code> · administrador (ajuste ADMIN_IDS)
admin-agents-row = • <code>{ $id }</code> · { $role } · { $name } · añadido el { $date }
admin-agents-none = Todavía no hay agentes: añada uno con /agent_add id_de_usuario.
admin-target-usage = Indique un id de usuario (p. ej. /{ $command } 123456789), o responda con /{ $command } a un mensaje reenviado de ese usuario.
admin-agent-role-usage = El rol tras el id de usuario es agent (por defecto) o admin: /agent_add 123456789 admin.
admin-target-hidden = Ese usuario oculta su cuenta en los mensajes reenviados: indique su id de usuario.
admin-agent-added = ✅ { $id } es ahora { $role }.
admin-agent-unchanged = { $id } ya es { $role }: no se ha cambiado nada.
admin-agent-removed = ✅ { $id } ya no forma parte del personal.
admin-agent-not-staff = { $id } no forma parte del personal: no se ha cambiado nada.
admin-agent-config = { $id } es administrador por el ajuste ADMIN_IDS: cámbielo allí.

admin-banned = 🚫 { $id } está bloqueado: se le avisará una vez y después se le ignorará.
admin-ban-already = { $id } ya está bloqueado.
admin-ban-staff = { $id } forma parte del personal: quítelo antes con /agent_remove.
admin-unbanned = ✅ { $id } ya no está bloqueado.
admin-unban-not-banned = { $id } no está bloqueado: no se ha cambiado nada.
admin-banned-notice = Ya no puede usar este bot. Si cree que es un error, póngase en contacto con su oficina de la seguridad social.

admin-broadcast-ask = 📣 Envíeme el mensaje para difundir (texto; se conserva el formato), o /cancel.
admin-broadcast-need-text = Envíe el mensaje como texto, o /cancel.
admin-broadcast-language = ¿Quién debe recibirlo?
admin-broadcast-all = Todos
admin-broadcast-preview = ☝️ Así se verá el mensaje. Destinatarios: { $count } ({ $language }). ¿Lo envío?
admin-broadcast-send = 📣 Enviar
admin-broadcast-cancel = ✖️ Cancelar
admin-broadcast-cancelled = Difusión cancelada: no se ha enviado nada.
admin-broadcast-nobody = Nadie coincide con esta elección: no se ha enviado nada.
admin-broadcast-sending = 📣 Enviando a { $count } destinatarios…
admin-broadcast-report = 📣 Difusión terminada: { $delivered } entregados, { $blocked } han bloqueado el bot, { $failed } fallidos.
admin-broadcast-stale = Este botón ya no es válido.

admin-export-caption = Solicitudes: { $count } (solo números de identidad enmascarados).

admin-threshold-show = Umbrales de distancia facial (menor significa más parecido): aprobación ≤ { $pass }, revisión ≤ { $review } ({ $source }).
admin-threshold-source-settings = de los ajustes
admin-threshold-source-admin = fijados por un administrador
admin-threshold-usage = Cámbielos con /threshold aprobación revisión, p. ej. /threshold 0.42 0.55: números entre 0 y 1, aprobación no mayor que revisión.
admin-threshold-set = ✅ Umbrales cambiados: aprobación ≤ { $pass }, revisión ≤ { $review }.
admin-threshold-error-format = No se ha cambiado nada: indique dos números, el umbral de aprobación y el de revisión.
admin-threshold-error-range = No se ha cambiado nada: ambos umbrales deben ser mayores que 0 y menores que 1.
admin-threshold-error-order = No se ha cambiado nada: el umbral de aprobación no puede ser mayor que el de revisión.

admin-purge-done = 🧹 Conservación de datos ({ $days } días): { $frames } carpetas de fotogramas clave y { $references } fotos de referencia eliminadas.

admin-audit-usage = Uso: /audit, o /audit n para las últimas n líneas (de 1 a 100).
admin-audit-empty = El registro de auditoría está vacío.
admin-audit-title = 🧾 <b>Registro de auditoría</b>, últimas { $count } líneas (UTC)
admin-audit-line = <code>{ $line }</code>
