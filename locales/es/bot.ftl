## Bienvenida, privacidad e inicio de sesión

welcome-title = 👋 <b>Bienvenido/a al servicio familiar de la tarjeta de seguridad social.</b>
    Aquí puede añadir familiares a su tarjeta electrónica de seguridad social y verificarlos.
privacy-notice = <b>Aviso de privacidad</b>
    Para prestar este servicio tratamos su número de teléfono, su nombre y su número de documento de identidad, así como los de los familiares que añada. Los números de identidad se guardan cifrados y solo se muestran ocultos parcialmente.
    La verificación facial requiere un vídeo corto, que es un dato biométrico: le pediremos su consentimiento por separado antes de usarlo.
    Puede borrar todos sus datos en cualquier momento desde el menú.
    ¿Acepta?
btn-accept = ✅ Aceptar
btn-decline = ✖️ Rechazar
privacy-declined = Entendido. No se ha guardado ningún dato suyo. Envíe /start si cambia de opinión.
privacy-hint = Lea el aviso de privacidad de arriba y pulse <b>✅ Aceptar</b> para continuar o <b>✖️ Rechazar</b>.
sign-in-prompt = Inicie sesión: pulse <b>Compartir mi número de teléfono</b> abajo.
btn-share-phone = 📱 Compartir mi número de teléfono
contact-not-own = Ese es el contacto de otra persona. Comparta <b>su propio</b> número con el botón de abajo.
contact-typed = Por su seguridad, no se acepta un número escrito: debe proceder de su cuenta de Telegram. Pulse el botón de abajo.
contact-invalid = Este número de teléfono no se puede usar. Compruebe el número de su cuenta de Telegram.
signed-in = ✅ Ha iniciado sesión.
reg-new-account = Este número aún no tiene cuenta. Vamos a crear una.
reg-name-prompt = Escriba su <b>nombre completo</b> tal como figura en su documento de identidad.
reg-id-prompt = Escriba <b>su propio</b> número de documento de identidad de 18 caracteres.
reg-done = ✅ Su cuenta se ha creado.
reg-refused-id-taken = Este número de identidad ya está registrado en otra cuenta. Si se trata de un error, contacte con el servicio de asistencia.
reg-refused-phone-taken = Este número de teléfono ya está registrado. Envíe /start para iniciar sesión.
session-expired = Su sesión ha finalizado por inactividad. Vuelva a iniciar sesión.
logged-out = Ha cerrado la sesión.

## Menú y navegación

menu-title = <b>Menú principal</b>
    Sesión iniciada como { $name }.
btn-family = 👨‍👩‍👧 Servicios familiares
btn-applications = 📋 Mis solicitudes
btn-support = 💬 Hablar con una persona
btn-language = 🌐 Idioma
btn-delete-data = 🗑 Borrar mis datos
btn-logout = 🚪 Cerrar sesión
btn-back = ◀️ Atrás
btn-cancel = ✖️ Cancelar
btn-menu = 🏠 Menú principal
btn-confirm = ✅ Confirmar
cancelled = Cancelado.
unexpected = Lo sentimos, no esperaba eso en este paso.
throttled = Está enviando mensajes demasiado rápido. Espere un momento, por favor.
error-generic = Lo sentimos, algo salió mal por nuestra parte. Inténtelo de nuevo o envíe /menu.
button-stale = Este botón pertenece a un mensaje anterior. Use el más reciente.
help-text = ℹ️ Este bot le ayuda a añadir familiares a su tarjeta electrónica de seguridad social y a verificarlos mediante verificación facial. Comandos: /start, /menu, /cancel, /language, /logout, /help.
support-unavailable = Todavía no hay agentes de asistencia configurados para este servicio.
support-waiting = 💬 Su solicitud se ha pasado a los agentes de atención. Espere, por favor: le avisaremos aquí en cuanto responda un agente. Ya puede escribir sus mensajes; también puede enviar fotos y vídeos. Pulse el botón de abajo o envíe /cancel para volver al bot.
support-agent-joined = 👤 Ahora está hablando con { $agent }, agente de atención.
support-agent-says = 👤 <b>{ $agent }</b> (agente de atención):
support-agent-role = Agente de atención
btn-end-talk = 🤖 Volver al bot
support-failed = Lo sentimos, ahora mismo no podemos contactar con los agentes. Inténtelo más tarde.
support-ended = Ha salido de la conversación con el agente.
support-closed = El agente ha terminado la conversación. Vuelve a estar con el bot.
decision-approved = ✅ Un revisor aprobó la verificación de { $name }. El familiar se ha añadido a su tarjeta electrónica de seguridad social.
decision-retry = 🔁 Un revisor le pide que grabe de nuevo el vídeo de { $name }. Abra Servicios familiares y pulse Verificar.
decision-retry-photo = 🔁 Un revisor le pide que envíe una foto nueva de { $name }. Abra Servicios familiares y pulse Verificar.
decision-rejected = ❌ Un revisor no aprobó la verificación de { $name }.
decision-may-retry = Puede intentarlo de nuevo: abra Servicios familiares y pulse Verificar.
decision-final = Esta decisión es definitiva. Si cree que es un error, pulse «Hablar con una persona» en el menú.
reject-not-same-person = La persona del vídeo no es el familiar cuyo número de identidad se introdujo.
reject-poor-quality = Las imágenes no eran lo bastante claras para decidir.
reject-action-incomplete = No se completaron las acciones solicitadas.
reject-not-live = El vídeo no mostraba a una persona real y presente.
reject-document-mismatch = La foto del documento de identidad no coincide con los datos introducidos.
language-prompt = Elija su idioma:
language-set = ✅ Idioma cambiado.
language-name-en = English
language-name-es = Español
language-name-zh-CN = 简体中文

## Servicios familiares

family-title = <b>Familiares</b> ({ $count }/{ $max })
family-empty = Todavía no ha añadido ningún familiar.
family-full = Ha alcanzado el máximo de { $max } familiares.
member-button = { $name } · { $status }
btn-add-member = ➕ Añadir familiar
member-title = <b>{ $name }</b>
member-name = Nombre: { $name }
member-id = Número de identidad: <code>{ $id }</code>
member-birth = Fecha de nacimiento: { $date }
member-age = Edad: { $age }
member-relationship = Parentesco: { $relationship }
member-status = Estado: { $status }
btn-ecard = 💳 Tarjeta
ecard-title = <b>💳 Tarjeta electrónica del familiar</b>
ecard-valid-until = Válida hasta: { $date }
ecard-note = Un verificador puede escanear el código QR para comprobar esta tarjeta. No contiene el número de identidad ni el nombre.
btn-verify = 🎥 Verificar
btn-reverify = 🔁 Verificar de nuevo
btn-remove-member = 🗑 Eliminar
remove-confirm = ¿Eliminar a <b>{ $name }</b> de su familia? Se borrarán sus solicitudes.
btn-remove-confirm = 🗑 Sí, eliminar
member-removed = Familiar eliminado.
member-gone = Ese familiar ya no existe.
member-added = ✅ Familiar añadido.
member-in-review = La verificación de este familiar está en revisión. Se le notificará.
member-refused-duplicate = Esta persona ya está en su familia.
member-refused-limit = Ha alcanzado el máximo de { $max } familiares.
member-refused-is-self = No puede añadirse a sí mismo/a como familiar.
status-not-verified = no verificado
status-pending-review = pendiente de revisión
status-verified = verificado
status-rejected = rechazado
status-locked = bloqueado hasta mañana

## Añadir un familiar

add-name-prompt = Escriba el <b>nombre completo</b> del familiar (de 2 a 40 letras).
add-id-prompt = Escriba el <b>número de identidad de 18 caracteres</b> del familiar.
add-relation-prompt = ¿Qué parentesco tiene esta persona con usted?
add-confirm-title = <b>Compruebe los datos</b>
btn-edit-name = ✏️ Nombre
btn-edit-id = ✏️ N.º de identidad
btn-edit-relation = ✏️ Parentesco
rel-spouse = Cónyuge
rel-father = Padre
rel-mother = Madre
rel-son = Hijo
rel-daughter = Hija
rel-grandparent = Abuelo/a
rel-grandchild = Nieto/a
rel-other = Otro
name-error-too-short = El nombre es demasiado corto: escriba al menos 2 letras.
name-error-too-long = El nombre es demasiado largo: 40 caracteres como máximo.
name-error-invalid-characters = El nombre solo puede contener letras chinas o latinas, espacios y el punto medio (·). Sin cifras, emojis ni símbolos.
id-error-empty = Escriba el número de identidad.
id-error-length = Un número de identidad tiene 18 caracteres (o 15 cifras en el documento antiguo). Compruébelo e inténtelo de nuevo.
id-error-characters = Un número de identidad solo contiene cifras y, posiblemente, una X al final.
id-error-province = Las dos primeras cifras no son un código de provincia válido.
id-error-birth-date = La fecha de nacimiento de este número de identidad (cifras 7 a 14) no es una fecha real.
id-error-future-birth-date = La fecha de nacimiento de este número de identidad está en el futuro.
id-error-checksum = El último carácter no coincide: probablemente hay un error de escritura. Compruebe el número.
id-converted = Es un número antiguo de 15 cifras. Se ha convertido al formato de 18 caracteres: { $id }.
id-message-removed = 🔒 Su mensaje con el número de identidad se ha borrado del chat; el número se guarda cifrado y solo se muestra enmascarado: { $id }.
id-message-removed-unsaved = 🔒 Su mensaje con el número se ha borrado del chat; no se ha guardado nada.
member-is-self = Ese es su propio número de identidad. Escriba el número de su familiar.
member-duplicate = Esta persona ya está en su familia.
relation-too-young = Ese parentesco no concuerda con las fechas de nacimiento: un padre, una madre o un abuelo/a debe ser claramente mayor que usted.
relation-too-old = Ese parentesco no concuerda con las fechas de nacimiento: un hijo/a o nieto/a debe ser claramente menor que usted.
relation-spouse-minor = Ese parentesco no concuerda con la fecha de nacimiento: el cónyuge debe ser mayor de edad (18 años o más).
relation-sex-male = Ese parentesco no concuerda con el número de identidad, que corresponde a una mujer.
relation-sex-female = Ese parentesco no concuerda con el número de identidad, que corresponde a un hombre.

## Verificación facial

bio-consent = <b>Consentimiento de { $name }</b>
    { $name }: en el siguiente paso se le graba a usted. Un vídeo corto de su cara (un parpadeo y giros de cabeza) se compara con la foto de su documento de identidad. Léalo usted mismo/a o pida que se lo lean.
    El vídeo se borra justo después del análisis; algunas imágenes fijas se conservan para revisión durante { $days } días y después se borran. Puede retirar su consentimiento en cualquier momento con «Borrar mis datos».
    { $name }, ¿está de acuerdo?
btn-bio-agree = ✅ Soy { $name } y estoy de acuerdo
bio-consent-child = <b>Consentimiento para { $name }</b>
    { $name } se verifica con una foto de su cara, que revisa una persona. Como madre, padre o tutor/a de { $name }, usted decide por él o ella.
    La foto se conserva solo para la revisión, como máximo { $days } días, y después se borra. Puede retirar su consentimiento en cualquier momento con «Borrar mis datos».
    ¿Está de acuerdo, como madre, padre o tutor/a de { $name }?
btn-bio-agree-child = ✅ Acepto como madre, padre o tutor/a de { $name }
btn-bio-decline = Ahora no
application-refused-in-review = Este familiar ya tiene una solicitud en revisión.
application-refused-locked = Hoy no quedan intentos.
liveness-ready = <b>Prepárese</b>
    Sostenga el teléfono a la altura de los ojos, con buena luz y con solo la cara del familiar en pantalla. En un mensaje de vídeo circular de unos segundos:
challenge-step = { $n }. { $action }
action-blink = parpadee una vez
action-turn_left = ⬅️ gire la cabeza hacia su hombro izquierdo y vuelva al centro
action-turn_right = ➡️ gire la cabeza hacia su hombro derecho y vuelva al centro
action-shake = ⬅️➡️ gire la cabeza hacia un hombro y después hacia el otro
liveness-tips = Haga las acciones en este orden. Antes puede hacer una prueba: se comprueba y le da consejos, pero no cuenta.
btn-start-video = 🎥 Estoy listo/a
btn-practice = 🧪 Probar antes
video-prompt = Grabe un <b>mensaje de vídeo circular</b> (mantenga pulsado el botón del micrófono y cambie a la cámara) o envíe un vídeo de hasta { $seconds } segundos. Haga, en este orden:
video-prompt-practice = <b>Prueba.</b> Grabe un mensaje de vídeo circular o envíe un vídeo de hasta { $seconds } segundos. Haga, en este orden:
video-wrong-kind = Envíe un vídeo (mejor un mensaje de vídeo circular), no una foto, un sticker, un texto ni un archivo.
video-too-big = Este vídeo es demasiado grande (más de { $mb } MB). Grabe uno más corto.
video-too-long = Este vídeo es demasiado largo. Grabe como máximo { $seconds } segundos.
video-too-short = Este vídeo es demasiado corto. Grabe al menos { $seconds } segundos.
child-photo-intro = Los familiares menores de { $age } años se verifican con una foto de su cara, que revisa una persona.
id-photo-prompt = No hay una foto de referencia de este familiar. Envíe una foto clara y bien iluminada de la <b>cara del documento de identidad con la fotografía</b>: su rostro es con lo que se comparará el vídeo.
id-photo-checking = ⏳ Comprobando la foto…
id-photo-accepted = ✅ La foto del documento se puede usar.
id-photo-error-not-an-image = Ese archivo no es una foto utilizable. Envíe una foto JPEG o PNG.
id-photo-error-too-large = Esa foto es demasiado grande.
id-photo-error-no-face = No se encontró ningún rostro en esa foto. Fotografíe la cara del documento con la fotografía, plana y bien iluminada.
id-photo-error-multiple-faces = Hay más de un rostro en esa foto. Fotografíe solo el documento de identidad.
id-photo-error-invalid-id = El número de identidad del familiar no se puede usar para esto.
photo-prompt = Envíe una <b>foto de frente</b>, nítida y bien iluminada, de la cara del niño o la niña.
photo-wrong-kind = Envíe una foto (JPEG o PNG).
photo-too-big = Esta foto es demasiado grande (más de { $mb } MB).
checking = ⏳ Comprobando su vídeo…
checking-photo = ⏳ Comprobando la foto…
checking-practice = ⏳ Comprobando su vídeo de prueba…
checking-wait = ⏳ Su vídeo todavía se está comprobando. Espere un momento.
checking-wait-photo = ⏳ La foto todavía se está comprobando. Espere un momento.
practice-ok = 👍 Prueba: todo parecía correcto. Ahora grabe el vídeo definitivo.
practice-failed = 🧪 Prueba. { $reason }
practice-next = Vuelva a probar o pulse «Estoy listo/a» para grabar el vídeo definitivo.
result-approved = ✅ ¡Verificado! El familiar se ha añadido a su tarjeta electrónica de seguridad social.
result-in-review = 📨 Su vídeo superó las comprobaciones y se ha enviado a revisión. Le comunicaremos el resultado aquí.
result-photo-in-review = 📨 La foto es nítida y muestra una sola cara. Ahora una persona la comparará con los datos del documento; le comunicaremos el resultado aquí.
result-rejected = ❌ La verificación no se ha aprobado.
result-failed = ❌ { $reason }
result-retry = ❌ La verificación no se ha superado.
retry-next = Intentos restantes hoy: { $n }. Pulse «Estoy listo/a» para grabar de nuevo.
photo-retry = ❌ No se ha podido usar la foto.
photo-again = Envíe una foto nueva de { $name }.
result-unreadable = No hemos podido leer ese archivo. Vuelva a grabar el vídeo.
result-unreadable-photo = No hemos podido leer esa foto. Envíela de nuevo.
locked-offer = Hoy no quedan intentos para este familiar: puede volver a intentarlo mañana o pedir ahora que una persona revise sus intentos.
btn-human-review = 🙋 Pedir revisión por una persona
human-review-requested = 📨 Una persona revisará los intentos. Le comunicaremos el resultado aquí.
reason-no_face = No se ha visto ninguna cara.
reason-multiple_faces = Había más de una cara en pantalla.
reason-face_too_small = La cara se veía demasiado pequeña o lejana.
reason-too_dark = El vídeo estaba demasiado oscuro.
reason-too_blurry = El vídeo estaba demasiado borroso.
reason-too_short = El vídeo era demasiado corto.
reason-too_long = El vídeo era demasiado largo.
reason-no_blink = No se ha visto ningún parpadeo.
reason-no_turn_left = No se vio girar la cabeza hacia el hombro izquierdo.
reason-no_turn_right = No se vio girar la cabeza hacia el hombro derecho.
reason-wrong_order = Las acciones no se han hecho en el orden indicado.
reason-flat_image = El vídeo parecía una foto o una pantalla, no una persona real.
reason-eyes_closed = Los ojos estuvieron cerrados durante todo el vídeo.
reason-match_low = La cara no se parece lo suficiente a la foto del documento de identidad.
reason-match_borderline = No se ha podido confirmar con certeza que la cara coincida.
reason-hard_to_match = La cara era difícil de comparar.
reason-child = Los menores siempre los revisa una persona.
reason-no_reference = Todavía no hay ninguna foto de referencia disponible.
reason-photo-no_face = No se encontró ninguna cara en la foto.
reason-photo-multiple_faces = Hay más de una cara en la foto.
reason-photo-face_too_small = La cara se ve demasiado pequeña en la foto.
reason-photo-too_dark = La foto está demasiado oscura.
reason-photo-too_blurry = La foto está demasiado borrosa.
tip-no_face = Mantenga toda la cara dentro del círculo, mirando a la cámara.
tip-multiple_faces = Asegúrese de que solo el familiar aparezca en pantalla.
tip-face_too_small = Acerque el teléfono, a la distancia de un brazo aproximadamente.
tip-too_dark = Colóquese de cara a una ventana o una lámpara; evite la luz detrás de la cabeza.
tip-too_blurry = Sujete el teléfono con firmeza y limpie la lente.
tip-too_short = Grabe un poco más: unos segundos.
tip-too_long = Sea breve: solo las acciones, unos segundos.
tip-no_blink = Parpadee una vez de forma clara y lenta.
tip-no_turn_left = ⬅️ Gire la cabeza claramente hacia el hombro izquierdo y vuelva al centro.
tip-no_turn_right = ➡️ Gire la cabeza claramente hacia el hombro derecho y vuelva al centro.
tip-wrong_order = Siga el orden que se muestra en las instrucciones.
tip-flat_image = La persona real debe estar delante de la cámara.
tip-eyes_closed = Mantenga los ojos abiertos, mire a la pantalla y parpadee una vez.
tip-match_low = Asegúrese de que la persona del vídeo sea el familiar cuyo número de identidad ha introducido.
tip-match_borderline = Use una luz buena y uniforme y mire directamente a la cámara.
tip-hard_to_match = Use una luz buena y uniforme, y quítese las gafas y el sombrero.
tip-child = Una persona revisará la foto.
tip-no_reference = Una persona revisará el vídeo.
tip-photo-no_face = Fotografíe toda la cara del niño o la niña, mirando a la cámara.
tip-photo-multiple_faces = En la foto solo debe aparecer el niño o la niña.
tip-photo-face_too_small = Acérquese: la cara debe ocupar casi toda la foto.
tip-photo-too_dark = Hágala de cara a una ventana o una lámpara, sin luz detrás de la cabeza.
tip-photo-too_blurry = Sujete el teléfono con firmeza y toque la cara en la pantalla para enfocar antes de hacerla.

## Solicitudes

applications-title = <b>Mis solicitudes</b>
applications-empty = Todavía no tiene solicitudes.
application-button = #{ $id } { $name } · { $state }
application-title = <b>Solicitud #{ $id }</b> · { $name }
timeline-entry = { $at } — { $state }
state-submitted = enviada
state-checking = en comprobación
state-in_review = en revisión
state-approved = aprobada
state-rejected = rechazada
state-expired = caducada

## Borrado de datos

delete-confirm = <b>¿Borrar todos sus datos?</b>
    Se borrarán su cuenta, sus familiares, sus solicitudes y las imágenes guardadas. Esta acción no se puede deshacer.
btn-delete-confirm = 🗑 Borrar todo
delete-done = Se han borrado todos sus datos. Envíe /start para empezar de nuevo.

## Comandos del bot (menú)

cmd-start = Iniciar o mostrar el menú
cmd-menu = Menú principal
cmd-cancel = Cancelar el paso actual
cmd-language = Cambiar idioma
cmd-logout = Cerrar sesión
cmd-help = Ayuda
