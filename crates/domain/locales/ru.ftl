# podpora — русский

app-name = podpora
nav-inbox = Входящие
nav-admin = Администрирование
nav-account = Мой профиль
nav-logout = Выйти
nav-notifications = Уведомления
notification-mention = { $name } упоминает вас
notification-rule = правило «{ $rule }»

login-title = Вход
login-email = Эл. почта
login-password = Пароль
login-submit = Войти
login-failed = Неверный адрес почты или пароль.
login-throttled = Слишком много неудачных попыток входа. Подождите несколько минут и попробуйте снова.
login-disabled = Эта учётная запись заблокирована.

csrf-failed = Форма устарела или пришла с другого сайта. Обновите страницу и попробуйте снова.
not-found = Не найдено, или у вас нет доступа.
forbidden = Вам нельзя это сделать.
error-title = Что-то пошло не так
error-invalid-address = «{ $value }» — недействительный адрес электронной почты.
error-invalid-number = «{ $value }» — не номер обращения.
error-unknown-value = Неизвестное значение ({ $kind }): { $value }.
error-template = В шаблоне ошибка: { $detail }
error-unknown-language = Неизвестный язык.
error-one-tag = Переименовывайте по одной метке за раз.
error-tag = Метка должна содержать от 1 до 64 печатных символов.
error-reply-or-note = Выберите ответ или внутреннюю заметку.
error-unknown-agent = Неизвестный агент.
error-reminder = Напоминание — не дата и время.
error-unknown-team = Неизвестная команда.
error-unknown-snooze = Неизвестный срок откладывания.
error-choose-colleague = Выберите коллегу.
error-attachments-size = Вложения могут занимать не более { $mb } МБ в сумме.
error-unknown-action = Неизвестное действие.
error-name-required = Имя обязательно.
error-password-short = Пароль должен содержать не менее 10 символов.
error-capacity = Нагрузка — число обращений от 0 до { $max }.
error-language-code = «{ $code }» — не код языка (две или три буквы, например ru, uk, en).
error-storage = База данных сейчас недоступна. Попробуйте ещё раз через минуту.
error-detail = { $detail }
error-admin-only = Это может сделать только администратор.
error-light-agent-status = Агент с ограниченными правами не может менять статус обращения, объединять или разделять обращения.
error-agent-no-access = { $name } не видит почтовый ящик этого обращения; сначала дайте доступ к ящику.
error-merge-itself = Обращение нельзя объединить с самим собой.
error-split-first = Первое сообщение нельзя отделить: это и есть само обращение.
error-file-name = У каждого вложения должно быть имя файла.
error-content-type = «{ $value }» — не тип содержимого.
error-too-long = Поле { $field } может содержать не более { $max } символов.
error-channel = Обращение, созданное вручную, приходит через канал «api» или «web», а не «{ $value }».
saved = Сохранено.

view-unassigned = Без исполнителя
view-mine = Мои
view-open = Все открытые
view-pending = В ожидании
view-solved = Решённые
view-closed = Закрытые
view-all = Все
view-mailbox = Почтовый ящик
view-team = Команда
view-tag = Метка

inbox-search = Поиск обращений, клиентов, #номера
inbox-search-submit = Найти
inbox-sort-oldest = Сначала старые
inbox-sort-newest = Сначала новые
inbox-empty = Здесь нет обращений.
inbox-next = Следующая страница
inbox-first = Первая страница
inbox-new-arrived = Есть новые или изменённые обращения — обновить
inbox-bulk-selected = С выбранными:
inbox-bulk-apply = Применить
inbox-filter-any-priority = Любой приоритет
tickets-count = { $count ->
    [one] { $count } обращение
    [few] { $count } обращения
   *[other] { $count } обращений
}

bulk-assign-me = Назначить мне
bulk-assign-to = Назначить
bulk-unassign = Снять исполнителя
bulk-close = Закрыть
bulk-solve = Отметить как решённые
bulk-tag = Добавить метку
bulk-merge = Объединить в самое старое
bulk-done = { $count ->
    [one] Изменено { $count } обращение.
    [few] Изменено { $count } обращения.
   *[other] Изменено { $count } обращений.
}
bulk-none = Выберите хотя бы одно обращение.
bulk-merge-needs-two = Для объединения выберите хотя бы два обращения.

col-number = Номер
col-subject = Тема
col-customer = Клиент
col-status = Статус
col-assignee = Исполнитель
col-updated = Изменено
col-priority = Приоритет

status-new = Новое
status-open = Открыто
status-pending = В ожидании
status-solved = Решено
status-closed = Закрыто

priority-low = Низкий
priority-normal = Обычный
priority-high = Высокий
priority-urgent = Срочный

ticket-title = Обращение { $number }
ticket-from = От
ticket-to = Кому
ticket-cc = Копия
ticket-note = Внутренняя заметка
ticket-quoted = Показать цитату
ticket-signature = Подпись
ticket-raw = Оригинал (.eml)
ticket-formatted = С форматированием
ticket-images-blocked = Внешние изображения заблокированы.
ticket-images-show = Показать изображения
ticket-attachments = Вложения
ticket-delivery-queued = в очереди
ticket-delivery-sent = отправлено
ticket-delivery-failed = не отправлено: { $error }
ticket-related = Связано с { $number }
ticket-merged-into = Объединено с { $number }
ticket-properties = Свойства
ticket-status = Статус
ticket-assignee = Исполнитель
ticket-nobody = Никто
ticket-team = Команда
ticket-no-team = Без команды
ticket-priority = Приоритет
ticket-tags = Метки
ticket-tags-hint = через запятую
ticket-remind = Напомнить
ticket-save = Сохранить
ticket-merge = Объединить с обращением
ticket-merge-submit = Объединить
ticket-merge-done = Объединено с { $number }.
ticket-split = Выделить в новое обращение
ticket-snooze = Отложить
ticket-snooze-1h = на час
ticket-snooze-tomorrow = до завтра, 9:00
ticket-snooze-week = на неделю
ticket-handover = Передать
ticket-handover-to = Кому
ticket-handover-note = Что нужно знать следующему
ticket-handover-submit = Передать
ticket-changed = Обращение изменилось, пока вы его смотрели, — обновите страницу
ticket-activity = История
ticket-viewing = Сейчас также смотрит:
ticket-typing = пишет ответ…
ticket-messages-count = { $count ->
    [one] { $count } сообщение
    [few] { $count } сообщения
   *[other] { $count } сообщений
}

reply-title = Ответ
reply-note-title = Внутренняя заметка
reply-body = Сообщение
reply-to-participants = Получатели
reply-cc = Копия
reply-bcc = Скрытая копия
reply-attach = Прикрепить файлы
reply-send = Отправить ответ
reply-add-note = Добавить заметку
reply-template = Вставить шаблон ответа
reply-template-none = Шаблонов ответов пока нет.
reply-collision = { $name } уже ответил(а) на это обращение, пока оно было у вас открыто. Прочитайте ответ ниже; всё равно отправить ваш?
reply-send-anyway = Всё равно отправить
reply-sent = Ответ поставлен в очередь на отправку.
reply-noted = Заметка добавлена.
reply-empty = Сначала напишите сообщение.
reply-light-agent = Агент с ограниченными правами может добавлять только внутренние заметки.
reply-no-outbound = Сервер отправки не настроен: исходящие письма сохраняются как файлы .eml в папке данных.

customer-title = Клиент
customer-name = Имя
customer-addresses = Адреса
customer-organisation = Организация
customer-notes = Заметки о клиенте
customer-language = Язык
customer-other-tickets = Другие обращения
customer-none = Других обращений нет.
customer-save = Сохранить клиента

activity-status = статус: { $from } → { $to }
activity-assign = назначено: { $to }
activity-unassign = исполнитель снят
activity-tags = метки изменены: { $detail }
activity-team = передано команде { $team }
activity-team-clear = снято с команды
activity-priority = приоритет: { $from } → { $to }
activity-remind = напоминание на { $when }
activity-remind-clear = напоминание снято
activity-reminder = Пришло время напоминания: обращение вернулось в очередь.
activity-reply = ответ клиенту
activity-note = заметка
activity-merged-into = объединено с { $number }
activity-merged-from = сюда присоединено обращение { $number }
activity-split-to = сообщения выделены в { $number }
activity-split-from = выделено из { $number }
activity-handover = передано: { $to }: { $note }
activity-customer = данные клиента изменены
activity-system = podpora

account-title = Мой профиль
account-language = Язык
account-status = Доступность
account-status-help = Коллеги и распределение видят, на месте ли вы и берёте ли работу.
agent-status-online = На месте
agent-status-away = Отошёл
agent-status-off = Не на смене
account-password = Смена пароля
account-password-current = Текущий пароль
account-password-new = Новый пароль (не менее 10 символов)
account-password-wrong = Текущий пароль неверен.
account-password-changed = Пароль изменён. Остальные сеансы завершены.
account-save = Сохранить

canned-title = Шаблоны ответов
canned-name = Название
canned-body = Текст
canned-shared = Общий для всех
canned-personal = Личный
canned-add = Добавить шаблон
canned-delete = Удалить
canned-variables = Переменные: { $list }

admin-title = Администрирование
outbox-queued = Ждут отправки
outbox-sent = Отправлены
outbox-failed = Не отправлены
outbox-retrying = Ждут повторной попытки
outbox-oldest = Самое старое неотправленное письмо ждёт с
admin-agents = Агенты
admin-teams = Команды
admin-team-name = Название команды
admin-team-lead = Руководитель команды
admin-team-lead-help = Получает предупреждение, когда обращение команды вот-вот нарушит срок, и эскалации. Руководитель, который не состоит в команде, становится её участником.
admin-team-add = Добавить команду
admin-mailboxes = Почтовые ящики
admin-outbound = Исходящая почта
admin-add-agent = Добавить агента
admin-agent-email = Эл. почта
admin-agent-name = Имя
admin-agent-role = Роль
admin-agent-password = Начальный пароль (не менее 10 символов)
admin-agent-disabled = Заблокирован
admin-agent-all-mailboxes = Все ящики
admin-agent-mailboxes = Почтовые ящики
admin-agent-save = Сохранить
admin-agent-created = Агент создан.
admin-cannot-demote-self = Нельзя снять с себя роль администратора или заблокировать себя.
admin-mailbox-address = Адрес
admin-mailbox-name = Название
admin-mailbox-imap = IMAP URL
admin-mailbox-imap-kept = оставьте пустым, чтобы сохранить прежний
admin-mailbox-add = Добавить ящик
admin-mailbox-test = Проверить подключение
admin-mailbox-test-ok = Подключено: { $detail }
admin-mailbox-test-failed = Не удалось подключиться: { $detail }
admin-mailbox-health = Последняя загрузка { $when }, загружено: { $count }
admin-mailbox-never = ещё не загружалась
admin-mailbox-error = Последняя ошибка: { $error }
admin-mailbox-signature = Подпись
admin-ack-enabled = Отправлять автоматическое подтверждение
admin-ack-subject = Тема подтверждения
admin-ack-body = Текст подтверждения
admin-support-hours = Часы работы поддержки
admin-response-time = Ожидаемое время ответа
admin-alternative-contacts = Другие контакты
admin-tags = Используемые метки
admin-tag-rename = Переименовать
admin-tag-delete = Удалить везде
admin-set-aside = Отложенная почта
admin-reprocess = Обработать заново

admin-overview = Обзор
admin-mail = Почта
admin-agents-help = Кто работает в службе поддержки. Агенты видят обращения выданных им ящиков; агенты с ограниченными правами могут добавлять внутренние заметки, но никогда не пишут клиентам; администраторы видят и настраивают всё.
admin-agent-role-help = Администратор: всё. Агент: отвечает клиентам. Агент с ограниченными правами: только внутренние заметки.
admin-agent-mailboxes-help = Ящики, обращения которых этот агент видит и получает.
admin-agent-disabled-help = Заблокированный агент не может войти; его сеансы сразу завершаются. Его работа сохраняется.
admin-agent-capacity = Нагрузка
admin-agent-capacity-help = Сколько открытых обращений агент ведёт одновременно; распределение по нагрузке это учитывает.
admin-agent-languages = Языки
admin-agent-languages-help = Коды языков, на которых агент отвечает, через запятую (ru, uk, en).
admin-agent-skills = Навыки
admin-agent-hours = Рабочие часы
admin-agent-hours-help = Например, «mon-fri 09:00-17:00, sat 10:00-14:00» и часовой пояс (Europe/Moscow). Вне этих часов агент считается не на смене. Пусто: учитывается только его статус.
admin-agent-time-zone = Часовой пояс
admin-teams-help = Обращение, переданное команде, видно в разделе этой команды.
admin-tags-help = Переименование в существующую метку объединяет их; удаление снимает метку со всех обращений.
admin-tags-none = Меток пока нет.
admin-mailboxes-help = Каждый адрес поддержки, на который пишут клиенты.
admin-mailbox-smtp-help = Почта приходит на него через SMTP-сервер на { $addr }, канал от MTA (podpora ingest) или загрузку по IMAP.
admin-mailbox-smtp-off = SMTP-сервер выключен: почта приходит через загрузку по IMAP или канал от MTA (podpora ingest).
admin-mailbox-no-imap = Без загрузки по IMAP: почта приходит через SMTP-сервер или канал.
admin-mailbox-imap-help = imap://пользователь:пароль@сервер:143/INBOX или imaps://…:993/INBOX; пароль сохраняется и больше никогда не показывается.
admin-mailbox-name-help = Клиенты видят его как отправителя («Анна (Поддержка магазина)»); если пусто — адрес.
admin-ack-help = Отправляется один раз на каждое новое обращение, никогда — на автоматические письма, не чаще 3 раз в час одному отправителю.
admin-ack-default = пусто: стандартный текст на языке клиента
admin-ack-variables = Переменные: { $list }
admin-set-aside-help = Письма, из которых не удалось сделать обращение (нечитаемые, возвраты, петли). Ничего не теряется: каждое можно скачать в исходном виде и обработать заново.
admin-set-aside-none = Отложенных писем нет.
setup-done = Готово
setup-warning = Проверить
setup-missing = Не хватает
setup-no-mailbox = Адреса поддержки пока нет: добавьте его, чтобы письма становились обращениями.
setup-mailboxes = Адреса поддержки: { $list }.
setup-imap-error = { $address } не может загружать почту: { $error }
setup-smtp-tls = SMTP-сервер на { $addr } поддерживает STARTTLS.
setup-smtp-local = SMTP-сервер на { $addr } принимает почту только с этого компьютера (перед ним стоит MTA, или это тесты).
setup-smtp-no-tls = SMTP-сервер на { $addr } принимает почту из сети без TLS: задайте PODPORA_SMTP_TLS_CERT и PODPORA_SMTP_TLS_KEY.
setup-smtp-off = SMTP-сервер выключен; почта приходит по IMAP или через канал от MTA.
setup-relay = Исходящая почта идёт через { $relay }.
setup-no-relay = Для исходящей почты нет сервера: { $detail }. Клиенты ничего не получат, пока не задан PODPORA_SMTP_RELAY.
setup-failed-mail = { $count ->
    [one] { $count } исходящее письмо не отправлено.
    [few] { $count } исходящих письма не отправлены.
   *[other] { $count } исходящих писем не отправлено.
}
setup-set-aside = { $count ->
    [one] { $count } полученное письмо отложено.
    [few] { $count } полученных письма отложены.
   *[other] { $count } полученных писем отложено.
}
setup-public-url-unset = Ссылки в письмах ведут на { $url }, полученный из HTTP-адреса: задайте PODPORA_PUBLIC_URL — адрес, которым пользуются клиенты и агенты.
setup-public-url-http = Публичный адрес { $url } работает по обычному http: поставьте podpora за https.
setup-public-url = Публичный адрес — { $url }.
setup-agents = Агентов, которые могут войти: { $count }.
setup-only-you = Вы единственный агент: добавьте коллег.
error-imap-url = IMAP URL нельзя использовать: { $detail }
error-ack-subject = В теме подтверждения ошибка: { $detail }
role-admin = Администратор
role-agent = Агент
role-light_agent = Агент с ограниченными правами

time-just-now = только что
time-minutes-ago = { $n } мин назад
time-hours-ago = { $n } ч назад
time-days-ago = { $n } дн. назад

keys-help = Клавиши: j/k — вверх/вниз, Enter — открыть, r — ответить, n — заметка, a — назначить, / — поиск

# Тексты для клиентов
reply-quote-header = { $when }, { $who } пишет:
ack-customer = клиент
ack-no-articles = - (наш справочный центр пока готовится)
ack-default-hours = с понедельника по пятницу
ack-default-response-time = один рабочий день
ack-subject = { $ticket_tag } Мы получили ваше сообщение: { $subject }
ack-body = { $greeting }

    Спасибо, что написали в { $mailbox_name }. Ваше обращение зарегистрировано под номером { $ticket_number }.

    Мы на связи: { $support_hours }
    { $expected }

    Если вопрос срочный, с нами можно связаться и так: { $alternative_contacts }

    Возможно, ответ на ваш вопрос уже есть в этих статьях:
    { $help_articles }

    Чтобы что-то добавить, просто ответьте на это письмо, не убирая номер обращения из темы.
routing-turn = по очереди: следующий из { $available } доступных
routing-load = наименее загружен: { $open } из { $capacity } открытых обращений
routing-sticky = постоянный контакт: отвечал(а) { $days ->
    [0] сегодня
    [1] вчера
    [one] { $days } день назад
    [few] { $days } дня назад
   *[other] { $days } дней назад
}
routing-manager-customer = менеджер клиента
routing-manager-organisation = менеджер организации
routing-rule = правило «{ $rule }»
routing-nobody = никого нет на месте: ждёт в очереди
routing-language = говорит на языке: { $language }
routing-skills = навыки { $skills }
routing-missed-helper = { $agent }, кто отвечал последним, сейчас недоступен(на)
routing-missed-no-helper = за последние { $days } дн. этому клиенту никто не отвечал
routing-missed-no-manager = нет менеджера
routing-missed-manager-elsewhere = менеджер { $agent } здесь не работает
activity-routed = назначено: { $to }: { $why }
activity-routed-wait = { $why }
routing-by-hand = назначено вручную
activity-rule = сработало правило «{ $rule }»
activity-rule-failed = правило не смогло сработать: { $detail }
error-rule-unknown-id = нет такой команды, ящика или активного агента: { $id }
error-rule-unknown-canned = нет общего шаблона ответа { $id }
activity-released = снято с { $from }: смена закончилась до первого ответа
customer-account-manager = Менеджер клиента
error-sticky-days = Окно постоянного контакта — от 1 до 365 дней.
admin-routing = Распределение
admin-routing-help = Кто получает новое обращение. Работу берут агенты, которые на месте и не превысили свою нагрузку (задаётся на странице «Агенты»); каждое решение записывается в историю обращения вместе с причиной.
admin-routing-no-mailboxes = Адреса поддержки пока нет.
admin-routing-teams-help = Об обращениях, переданных команде (человеком или правилом), решает правило команды; если оно ручное, решает правило ящика.
admin-routing-policy = Распределение
admin-routing-policy-help = По очереди — агенты получают обращения по кругу; наименее загружен — тот, у кого занята наименьшая доля нагрузки; постоянный контакт — вернувшийся клиент попадает к агенту, который отвечал ему последним; менеджер клиента — клиент попадает к своему менеджеру.
admin-routing-fallback = Когда постоянный контакт или менеджер не могут решить
admin-routing-fallback-help = В окне нет прошлых ответов, этот агент недоступен или у клиента нет менеджера.
admin-routing-sticky-days = Окно постоянного контакта (дни)
admin-routing-by-language = Предпочитать агентов, говорящих на языке клиента
admin-routing-off-shift = Агент, уходящий со смены, возвращает обращения, на которые ещё не ответили
policy-manual = Только вручную
policy-round_robin = По очереди
policy-least_loaded = Наименее загружен
policy-sticky = Постоянный контакт
policy-account_manager = Менеджер клиента
admin-rules = Правила
admin-rules-help = Правила сами меняют обращения: когда обращение создано, когда оно меняется (клиент пишет, агент отвечает или меняет его) или по расписанию. Они выполняются в этом порядке; каждое видит изменения предыдущих, а изменения, сделанные правилами, не запускают их снова.
admin-rules-add = Добавить правило
admin-rules-none = Правил пока нет.
admin-rule-name = Название
admin-rule-trigger = Запускается
admin-rule-trigger-help = По расписанию: проверяется каждые полминуты на незакрытых обращениях; на одном обращении правило срабатывает один раз, пока обращение снова не изменится. Нужны хотя бы «часы без активности» или «возраст в часах».
admin-rule-conditions = Условия
admin-rule-conditions-help = Должны выполняться все (нет условий: любое обращение). Список пишется через запятую, подходит любое его значение. Слова ищутся с начала слова, без учёта регистра и диакритики. Ящики, команды и агенты — по id (он указан на их страницах администрирования).
admin-rule-actions = Действия
admin-rule-actions-help = Назначить: «policy» (по правилу команды или ящика), «nobody» или id агента. Команда: её id, пусто — без команды. Шаблон ответа: id общего шаблона. Уведомить: «assignee», «team_lead» или id агентов.
admin-rule-enabled = Включено
admin-rule-off = выключено
admin-rule-stop = останавливает
admin-rule-stop-label = Если сработало, пропустить следующие правила
admin-rule-every-ticket = любое обращение
admin-rule-up = Вверх
admin-rule-down = Вниз
admin-rule-delete = Удалить
admin-rule-field = Поле
admin-rule-op = Сравнение
admin-rule-value = Значение
admin-rule-action = Действие
admin-rule-dry-run = Пробный запуск
admin-rule-dry-run-result = Сработало бы на { $matched } из { $checked } последних незакрытых обращений.
rule-trigger-created = когда обращение создано
rule-trigger-updated = когда обращение меняется
rule-trigger-schedule = по расписанию
rule-field-channel = канал
rule-field-mailbox = почтовый ящик
rule-field-sender = отправитель
rule-field-sender_domain = домен отправителя
rule-field-organisation = организация
rule-field-subject = тема
rule-field-body = текст клиента
rule-field-language = язык
rule-field-customer_name = имя клиента
rule-field-customer_tickets = обращения клиента
rule-field-account_manager = менеджер клиента
rule-field-tag = метка
rule-field-priority = приоритет
rule-field-status = статус
rule-field-team = команда
rule-field-assignee = исполнитель
rule-field-idle_hours = часы без активности
rule-field-age_hours = возраст в часах
rule-field-event = что произошло
rule-op-is = равно
rule-op-is_not = не равно
rule-op-contains = содержит
rule-op-not_contains = не содержит
rule-op-at_least = не меньше
rule-op-at_most = не больше
rule-op-set = задано
rule-op-not_set = не задано
rule-action-set_team = задать команду
rule-action-assign = назначить
rule-action-add_tag = добавить метки
rule-action-remove_tag = снять метки
rule-action-set_priority = задать приоритет
rule-action-set_status = задать статус
rule-action-send_reply = отправить шаблон ответа
rule-action-add_note = добавить заметку
rule-action-notify = уведомить
error-domain = это не почтовый домен: { $value }
error-organisation-taken = у другой организации уже есть такое значение: { $what }
inbox-filter-any-organisation = Любая организация
admin-organisations = Организации
admin-organisations-help = Компании, от имени которых пишут ваши клиенты. Письма с доменов организации (и их поддоменов) относятся к ней: к ней присоединяются новые клиенты, а при добавлении домена — и уже существующие. При правиле «менеджер клиента» обращения её клиентов получает её менеджер (собственный менеджер клиента важнее). Агенты привязывают клиента в панели клиента на странице обращения.
admin-organisation-add = Добавить организацию
admin-organisation-name = Название
admin-organisation-domains = Почтовые домены
admin-organisation-domains-help = Через запятую, например firma.ru, firma.com.
admin-organisation-manager-help = При правиле «менеджер клиента» получает обращения её клиентов.
admin-organisation-customers = { $count ->
    [one] { $count } клиент
    [few] { $count } клиента
   *[other] { $count } клиентов
}
error-overflow-after = для перелива нужно число ожидающих обращений от 1 до 10000
error-overflow-team = команда переливается в другую команду
activity-overflow = передано из { $from } в { $to }: ждали больше { $after }
admin-routing-overflow-team = Переливать в
admin-routing-overflow-after = Когда ждут больше чем
admin-routing-overflow-help = Когда обращений этой команды, ожидающих исполнителя (без исполнителя, новых или открытых), больше числа ниже, следующее обращение для неё получает выбранная команда (и решает о нём её правило).
error-calendar-in-use = этот календарь использует правило SLA
ack-expected-within = Обычно мы отвечаем в течение: { $response_time }.
ack-expected-by = Мы ответим не позднее чем { $answer_by }.
ack-answer-by = { $weekday_on }, { $day }.{ $month }.{ $year }, в { $time } ({ $zone })
weekday-1 = понедельник
weekday-2 = вторник
weekday-3 = среда
weekday-4 = четверг
weekday-5 = пятница
weekday-6 = суббота
weekday-7 = воскресенье
month-1 = январь
month-2 = февраль
month-3 = март
month-4 = апрель
month-5 = май
month-6 = июнь
month-7 = июль
month-8 = август
month-9 = сентябрь
month-10 = октябрь
month-11 = ноябрь
month-12 = декабрь
sla-first-response = первый ответ
sla-next-response = следующий ответ
sla-resolution = решение
routing-escalated-warning = эскалировано руководителю команды: подходит срок ({ $metric })
routing-escalated-breach = эскалировано руководителю команды: срок нарушен ({ $metric })
notification-sla-warning = { $metric } до { $due }
notification-sla-warning-soon = { $metric }: срок подходит
notification-sla-breach = { $metric }: срок нарушен
notification-escalation = эскалировано вам: { $metric } — срок нарушен или вот-вот будет
notice-body =
    { $line }.

    Обращение #{ $number }: { $subject }
    { $link }

    Это письмо отправила служба поддержки, потому что обращение ваше или вашей команды. Такие письма можно отключить в профиле: { $account }
activity-sla-breach = нарушен срок: { $metric } (до { $due })
sla-due-in = осталось { $time }
sla-overdue = просрочено на { $time }
sla-paused = пауза: ждём клиента
sla-met = выполнено
sla-met-late = выполнено с опозданием
sla-due-column = Срок
inbox-sort-due = Сначала ближайший срок
account-mail-notifications = Присылать мне предупреждения о сроках и эскалации также по почте
admin-sla = Часы работы и SLA
admin-sla-help = Календарь задаёт, когда команда работает; правило SLA — как быстро нужно ответить на обращения его ящиков и решить их, считая рабочее время календаря. Во входящих видно оставшееся время; исполнитель и руководитель команды узнают о сроке заранее и когда он нарушен.
admin-calendars = Календари
admin-calendars-none = Календарей пока нет.
admin-calendar-add = Добавить календарь
admin-calendar-name = Название
admin-calendar-zone = Часовой пояс
admin-calendar-week = Рабочие часы
admin-calendar-week-help = Дни и часы английскими сокращениями, например «mon-fri 09:00-17:00, sat 10:00-14:00»; 22:00-06:00 переходит через полночь.
admin-calendar-holidays = Праздники
admin-calendar-holidays-help = По одному в строке, дата и название: 2027-01-01 Новый год. В эти дни часы не идут.
admin-calendar-public = Добавить государственные праздники
admin-calendar-public-help = Добавляет в список государственные праздники страны за этот год; дни, которые уже есть в списке, остаются.
admin-calendar-country = Страна
admin-calendar-year = Год
country-cz = Чехия
country-pl = Польша
country-ru = Россия
admin-sla-policies = Правила SLA
admin-sla-policies-none = Правил SLA пока нет: обращения не измеряются.
admin-sla-policy-add = Добавить правило SLA
admin-sla-calendar-first = Сначала добавьте календарь: правило считает время в его рабочих часах.
admin-sla-policy-calendar = Календарь
admin-sla-policy-calendar-help = В сроки засчитываются только рабочие часы этого календаря.
admin-sla-targets = Сроки
admin-sla-targets-help = Рабочее время: 30m, 8h, 1h30m (три восьмичасовых дня — это 24h). Для канала и приоритета обращения действует самая точная строка; «любой» подходит ко всем. Пустое время: без срока.
admin-sla-channel = Канал
admin-sla-priority = Приоритет
admin-sla-any = любой
admin-sla-policy-warn = Предупреждать за
admin-sla-policy-warn-help = За сколько до срока об этом узнают исполнитель и руководитель команды (например, 30m, 1h).
admin-sla-policy-escalate = Эскалировать руководителю команды
admin-sla-policy-escalate-help = Передаёт обращение руководителю его команды, с причиной в истории.
admin-sla-escalate-off = никогда, только уведомлять
admin-sla-escalate-warning = когда срок подходит
admin-sla-escalate-breach = когда срок нарушен
admin-sla-policy-mailboxes = Измеряемые ящики
admin-sla-policy-mailboxes-help = Ящик измеряется одним правилом: отметка здесь забирает его у любого другого.
channel-email = Эл. почта
channel-api = API
channel-web = Форма на сайте
channel-chat = Чат
notice-rule = Правило «{ $rule }» просит вас взглянуть на это обращение
greeting-neutral = Здравствуйте!
greeting-formal = Здравствуйте, { $name }!
greeting-informal = Добрый день, { $name }!
weekday-on-1 = в понедельник
weekday-on-2 = во вторник
weekday-on-3 = в среду
weekday-on-4 = в четверг
weekday-on-5 = в пятницу
weekday-on-6 = в субботу
weekday-on-7 = в воскресенье
admin-mailbox-language = Язык клиентов
admin-mailbox-language-help = Для нового клиента, язык которого не виден из письма (оно слишком короткое или на языке, для которого здесь нет текстов).
admin-ack-versions = Подтверждение на других языках
admin-ack-versions-help = Клиент, для языка которого здесь есть версия, получит её; остальные — текст выше.
admin-installation-default = язык установки по умолчанию
admin-default-language = Язык по умолчанию
admin-default-language-help = Для страницы входа, когда браузер не просит ни один из наших языков, для новых агентов и для ящиков, у которых язык не задан.
month-of-1 = января
month-of-2 = февраля
month-of-3 = марта
month-of-4 = апреля
month-of-5 = мая
month-of-6 = июня
month-of-7 = июля
month-of-8 = августа
month-of-9 = сентября
month-of-10 = октября
month-of-11 = ноября
month-of-12 = декабря
date-time = { $day } { $month_name } { $year } г., { $time }
admin-mailbox-time-zone = Часовой пояс
admin-mailbox-time-zone-help = Даты в письмах этого ящика указываются в этом поясе (например, Europe/Moscow); пусто: пояс его календаря SLA.

## knowledge base and help centre
error-kb-image-type = В статью можно добавить только изображения PNG, JPEG, GIF и WebP.
error-kb-language-fixed = Язык статьи изменить нельзя; напишите перевод.
error-kb-read-only = Ваша роль позволяет читать базу знаний, но не писать в неё.
error-kb-taken = { $what } уже занято другой категорией.
error-kb-translation-fixed = Переводом какой статьи является статья, задаётся при её создании.
error-title-required = Нужен заголовок.
error-unknown-article = Такой статьи нет.
error-unknown-category = Такой категории нет.
help-title = Центр помощи
help-description = Ответы на частые вопросы: заказы, доставка, возврат и оплата.
help-all-articles = { $count ->
    [one] Вся { $count } статья
    [few] Все { $count } статьи
   *[many] Все { $count } статей
}
help-also-in = Также на языке:
help-breadcrumb = Вы здесь
help-empty = Статей здесь пока нет.
help-search = Поиск по центру помощи
help-search-button = Найти
help-search-results = Результаты по запросу «{ $query }»
help-search-none = По этим словам ничего не найдено. Попробуйте другие слова или напишите нам.
help-helpful = Была ли эта статья полезной?
help-yes = Да
help-no = Нет
help-thanks = Спасибо за отзыв.
help-languages = Языки
help-other = Другие статьи
help-permalink = Ссылка на этот ответ
help-pinned = Популярные темы
help-related = Похожие статьи
help-skip = Перейти к содержанию
help-updated = Обновлено { $date }
kb-title = База знаний
kb-new = Новая статья
kb-open-help = Открыть центр помощи
kb-language = Язык
kb-filter = Показать
kb-article = Статья
kb-article-title = Заголовок
kb-status = Статус
kb-status-draft = Черновик
kb-status-published = Опубликована
kb-status-changed = Опубликована, есть неопубликованные изменения
kb-votes = Полезность
kb-updated = Изменена
kb-internal = внутренняя
kb-internal-help = Внутренняя: только для агентов, никогда в центре помощи
kb-pinned-help = Закрепить на главной странице центра помощи
kb-no-category = Без категории
kb-category = Категория
kb-categories = Категории
kb-category-add = Добавить категорию
kb-category-delete = Удалить эту категорию (её статьи останутся)
kb-category-kind = Вид
kb-kind-articles = Статьи
kb-position = Порядок
kb-description = Описание
kb-slug = Адрес (slug)
kb-markdown = Текст (Markdown)
kb-preview = Предпросмотр
kb-image = Добавить изображение
kb-save-draft = Сохранить черновик
kb-publish = Опубликовать
kb-unpublish = Снять с центра помощи
kb-delete = Удалить статью вместе с историей
kb-history = История
kb-current = текущий черновик
kb-restore = Сделать эту версию черновиком
kb-translations = Переводы:
kb-translate = Перевести на { $language }
error-brand-colour = «{ $value }» — не цвет вида #1a56b0.
error-brand-contrast = Белый текст на { $colour } плохо читается (контраст { $ratio }:1; нужно не меньше 4,5:1): выберите цвет темнее.
kb-brand = Вид центра помощи
kb-brand-name = Название
kb-brand-colour = Цвет
kb-brand-logo = Логотип
kb-brand-remove-logo = Удалить логотип
